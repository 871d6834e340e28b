/**
 * Embedded local AWS stack: DynamoDB Local (Java) + kinesis-mock (Node), started as child processes on free ports.
 *
 * Used by the vitest globalSetup, `eddy replay` and `eddy run`, so that nothing needs Docker, LocalStack or an AWS
 * account. Both emulators ship inside node_modules (`amplify-dynamodb-simulator` bundles the official DynamoDB Local
 * jar, `kinesis-local` is kinesis-mock compiled to a single JS file); the only external requirement is a Java runtime.
 */
import { stopKeepingSnapshot } from './kinesis-snapshot.ts';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { superviseEmulator } from './emulator-supervisor.ts';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface LocalStackOptions {
  /**
   * Persist state under `<dataDir>/dynamodb` (DynamoDB Local `-dbPath`) and `<dataDir>/kinesis` (kinesis-mock
   * `kinesis-data.json`), so tables, streams and records survive a stop/start. Absent = everything in memory.
   */
  dataDir?: string;
  /** Receives every line the emulators print, prefixed with `[dynamodb]` / `[kinesis]`, plus start/stop timings. */
  log?: (line: string) => void;
  /**
   * Supervise the emulators (the stack service does): one that exits on its own — not through `stop()` — is started
   * again on the same port and the same data, after a backoff (0.5 s, 1 s, 2 s, ... 10 s; every 30 s once it has died
   * RAPID_RESTARTS times in a row (emulator-supervisor.ts)), for as long as the stack lives. Called with every emulator's status whenever
   * one changes. Absent: an exit is left alone (the in-memory stacks of `eddy replay` and the tests).
   */
  supervise?: (emulators: EmulatorStatuses) => void;
}

export type EmulatorName = 'dynamodb' | 'kinesis';
export const EMULATOR_NAMES: readonly EmulatorName[] = ['dynamodb', 'kinesis'];

/** One emulator's process and restart history, as the supervisor sees it (`LocalStack.emulators()`, stack.json). */
export interface EmulatorStatus {
  /** 'running': answered its API since it was last started; 'restarting': exited on its own and is being started again. */
  state: 'running' | 'restarting';
  /** The current process (while restarting: the one being started, if any). */
  pid?: number;
  /** How many times it was started again after an unexpected exit (attempts, successful or not). */
  restarts: number;
  /** Its last unexpected exit: when, and how (`SIGKILL`, `code 1`, ...). */
  lastExit?: { at: string; how: string };
  /** Why the last restart attempt failed; cleared once it answers again. */
  failing?: string;
}

export type EmulatorStatuses = Record<EmulatorName, EmulatorStatus>;

export interface LocalStack {
  /** Base URLs (`http://127.0.0.1:PORT`) to pass as `endpoint` to the AWS SDK clients. */
  endpoints: { dynamodb: string; kinesis: string };
  /**
   * Stops both emulators: SIGTERM, then SIGKILL after a grace period. Resolves once both processes have exited, which
   * is what gives kinesis-mock the chance to write its final snapshot. Idempotent: later calls return the same promise.
   * Also ends supervision: nothing is restarted once stop() has been called.
   */
  stop(): Promise<void>;
  /** Each emulator's pid and (when supervised) restart history; a copy. */
  emulators(): EmulatorStatuses;
}

/** Thrown by {@link startLocalStack} when no usable `java` is found; DynamoDB Local is a Java program. */
export class JavaMissingError extends Error {
  constructor(detail: string) {
    super(
      `DynamoDB Local needs a Java runtime, but ${detail}. ` +
        'Install one, e.g. `sudo apt-get install openjdk-17-jre-headless`, or point JAVA_HOME at an existing JDK/JRE.',
    );
    this.name = 'JavaMissingError';
  }
}

/** How long the emulators get to answer a real API call before startLocalStack gives up. Cold JVM start is ~2-3 s. */
const START_TIMEOUT_MS = 60_000;
/**
 * Measured SIGTERM → exit: DynamoDB Local ~350 ms, kinesis-mock ~30-90 ms including its final snapshot. The margin is
 * for a loaded machine; hitting it means SIGKILL, which costs kinesis-mock's final snapshot.
 */
const STOP_GRACE_MS = 10_000;
const PROBE_INTERVAL_MS = 100;
/** Lines of emulator output kept for error messages. */
const OUTPUT_TAIL_LINES = 40;

// Children still running, so the 'exit' hook can kill them if the caller never reaches stop() (process.exit(), an
// uncaught exception). Without this, an orphaned JVM keeps its port and memory until someone notices.
const liveChildren = new Set<ChildProcess>();
/** Per-stack temp dirs, removed by stop() or, failing that, by the 'exit' hook. */
const liveScratchDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous; kill() only sends the signal, which is all we can do here. SIGKILL rather than
  // SIGTERM because nobody is left to wait for a graceful exit. It means kinesis-mock loses what it has not persisted
  // yet (at most PERSIST_INTERVAL) — the graceful path is stop().
  process.on('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
    for (const dir of liveScratchDirs) rmSync(dir, { recursive: true, force: true });
  });
}

/**
 * Starts DynamoDB Local and kinesis-mock on free ports and resolves once both answer API calls.
 *
 * The caller owns the processes: call `stop()` when done (also from your SIGINT/SIGTERM handler — this module does
 * not install signal handlers). If the Node process exits without `stop()`, the children are SIGKILLed.
 *
 * @throws {JavaMissingError} when `java` cannot be run.
 * @throws {Error} when an emulator exits or does not become ready within 60 s; the message ends with its last output.
 *
 * @example
 * ```ts
 * const stack = await startLocalStack({ dataDir: '.eddy/local', log: console.error });
 * try {
 *   const ddb = new DynamoDBClient({ endpoint: stack.endpoints.dynamodb, region: 'us-east-1',
 *     credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
 *   const kinesis = new KinesisClient({ endpoint: stack.endpoints.kinesis, region: 'us-east-1',
 *     credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, requestHandler: new NodeHttpHandler() });
 *   // ...
 * } finally {
 *   await stack.stop();
 * }
 * ```
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? (() => {});
  const startedAt = Date.now();
  installExitHook();

  const [dynamodbPort, kinesisPort, kinesisTlsPort] = await freePorts(3);
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);

  // A private temp dir per stack, removed by stop() or the 'exit' hook. It is the JVM's java.io.tmpdir because DynamoDB
  // Local copies its sqlite4java native library (~900 KB) there on every start and only deletes it on a clean JVM
  // exit; without this, every SIGKILLed JVM leaves a /tmp/sqlite-*-libsqlite4java.so behind.
  const scratchDir = await mkdtemp(join(tmpdir(), 'eddy-local-stack-'));
  liveScratchDirs.add(scratchDir);
  // DynamoDB Local (>= 1.24) writes dynamodb-local-metadata.json into its working directory even with
  // -disableTelemetry, so never run it in the caller's cwd (that would litter the repository).
  let dynamodbDir = scratchDir;
  if (dataDir) {
    dynamodbDir = join(dataDir, 'dynamodb');
    await mkdir(dynamodbDir, { recursive: true });
    await mkdir(join(dataDir, 'kinesis'), { recursive: true });
  }

  // One launcher per emulator, for the first start and every restart: same port, same data, same flags.
  const endpoints = { dynamodb: `http://127.0.0.1:${dynamodbPort}`, kinesis: `http://127.0.0.1:${kinesisPort}` };
  const launch: Record<EmulatorName, () => Emulator> = {
    dynamodb: () => startDynamoDb({ port: dynamodbPort, cwd: dynamodbDir, tmpDir: scratchDir, dbPath: dataDir && dynamodbDir, log }),
    kinesis: () => startKinesis({ port: kinesisPort, tlsPort: kinesisTlsPort, persistDir: dataDir && join(dataDir, 'kinesis'), log }),
  };
  const probe = (name: EmulatorName) => () => probeEmulator(name, endpoints[name]);
  // The current process of each emulator: a restart replaces it, and stop() stops whichever is current then.
  const current: Record<EmulatorName, Emulator> = { dynamodb: launch.dynamodb(), kinesis: launch.kinesis() };
  const status: EmulatorStatuses = {
    dynamodb: { state: 'running', pid: current.dynamodb.pid, restarts: 0 },
    kinesis: { state: 'running', pid: current.kinesis.pid, restarts: 0 },
  };
  const emulators = (): EmulatorStatuses => structuredClone(status);

  let stopping: Promise<void> | undefined;
  const stopped = new AbortController(); // aborted by stop(): ends supervision, including a restart under way
  const stopEmulators = async () => {
    await Promise.all(EMULATOR_NAMES.map((name) => current[name].stop()));
  };
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      stopped.abort(new Error('the local stack is stopping'));
      const stopStartedAt = Date.now();
      // kinesis-mock can crash on SIGTERM in the middle of a snapshot write and truncate it (see kinesis-snapshot.ts).
      if (dataDir) await stopKeepingSnapshot(dataDir, stopEmulators, log);
      else await stopEmulators();
      await rm(scratchDir, { recursive: true, force: true });
      liveScratchDirs.delete(scratchDir);
      log(`local stack stopped in ${Date.now() - stopStartedAt} ms`);
    })());

  const deadline = startedAt + START_TIMEOUT_MS;
  // The first failure ends the other wait too: no point waiting for a JVM when kinesis-mock already died.
  const giveUp = new AbortController();
  const awaitReady = (name: EmulatorName) =>
    waitUntilReady(current[name], deadline, giveUp.signal, probe(name)).then(
      () => log(`[${name}] ready after ${Date.now() - startedAt} ms`),
      (error: unknown) => {
        giveUp.abort(error);
        throw error;
      },
    );
  const outcomes = await Promise.allSettled(EMULATOR_NAMES.map(awaitReady));
  const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as Error] : []));
  if (failures.length > 0) {
    await stop();
    // A missing Java is the actionable one; report it even if kinesis-mock failed too.
    throw failures.find((error) => error instanceof JavaMissingError) ?? failures[0];
  }
  log(`local stack ready in ${Date.now() - startedAt} ms: dynamodb ${endpoints.dynamodb}, kinesis ${endpoints.kinesis}`);

  const onChange = options.supervise;
  if (onChange) {
    const changed = () => {
      try {
        onChange(emulators());
      } catch (error) {
        log(`! the supervisor's status listener failed: ${(error as Error).message}`);
      }
    };
    for (const name of EMULATOR_NAMES) {
      void superviseEmulator({ name, launch: launch[name], ready: (e) => waitUntilReady(e, Date.now() + START_TIMEOUT_MS, stopped.signal, probe(name)), current, status: status[name], stopped: stopped.signal, changed, log }).catch(
        (error: unknown) => log(`! [${name}] supervision ended by an error: ${(error as Error).stack ?? String(error)}`),
      );
    }
  }
  return { endpoints, stop, emulators };
}

// ---------------------------------------------------------------------------------------------------------------
// The two emulators

// Resolved at import time, so a missing package fails loudly before any process has been started.
const requireFromHere = createRequire(import.meta.url);
/** The DynamoDB Local distribution (jar + sqlite4java native libraries) bundled by amplify-dynamodb-simulator. */
const DYNAMODB_LOCAL_DIR = join(dirname(requireFromHere.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
/** kinesis-mock as one Scala.js bundle (main.js) plus the server.json TLS certificate it loads from its cwd. */
const KINESIS_MOCK_DIR = dirname(requireFromHere.resolve('kinesis-local/package.json'));

function startDynamoDb(config: {
  port: number;
  cwd: string;
  tmpDir: string;
  dbPath?: string;
  log: (line: string) => void;
}): Emulator {
  const java = javaExecutable();
  const storage = config.dbPath ? ['-dbPath', config.dbPath] : ['-inMemory'];
  const args = [
    `-Djava.library.path=${join(DYNAMODB_LOCAL_DIR, 'DynamoDBLocal_lib')}`, // sqlite4java native libraries
    `-Djava.io.tmpdir=${config.tmpDir}`,
    // No /tmp/hsperfdata_<user>/<pid> file (jstat support) that a SIGKILLed JVM would leave behind.
    '-XX:-UsePerfData',
    '-jar',
    join(DYNAMODB_LOCAL_DIR, 'DynamoDBLocal.jar'),
    ...storage,
    // One database for every access key and region, so tests, CLI and Lambdas see the same tables whatever
    // credentials they happen to sign with.
    '-sharedDb',
    '-disableTelemetry',
    '-port',
    String(config.port),
  ];
  const emulator = spawnEmulator('dynamodb', java, args, { cwd: config.cwd, env: process.env }, config.log);
  emulator.explainFailure = (spawnError) => {
    if ((spawnError as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
      return new JavaMissingError(`\`${java}\` was not found`);
    }
    // The JVM started but died: distinguish "this is not a working Java" from a DynamoDB Local problem.
    const version = spawnSync(java, ['-version'], { encoding: 'utf8', timeout: 10_000 });
    if (version.error || version.status !== 0) {
      return new JavaMissingError(`\`${java} -version\` failed: ${(version.error?.message ?? version.stderr).trim()}`);
    }
    return undefined;
  };
  return emulator;
}

function javaExecutable(): string {
  const fromJavaHome = process.env.JAVA_HOME && join(process.env.JAVA_HOME, 'bin', 'java');
  return fromJavaHome && existsSync(fromJavaHome) ? fromJavaHome : 'java';
}

function startKinesis(config: {
  port: number;
  tlsPort: number;
  persistDir?: string;
  log: (line: string) => void;
}): Emulator {
  // A deliberately minimal environment: kinesis-mock reads its whole configuration from env vars (AWS_REGION,
  // AWS_ACCOUNT_ID, LOG_LEVEL, ...), and the parent's values of those — or a NODE_OPTIONS loading a TS loader — must
  // not leak in.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    KINESIS_MOCK_PLAIN_PORT: String(config.port),
    // kinesis-mock always opens a TLS listener too; give it a free port so it cannot collide with anything.
    KINESIS_MOCK_TLS_PORT: String(config.tlsPort),
    // WARN still logs handled client errors (with stack traces); INFO adds a line per request.
    LOG_LEVEL: 'WARN',
    // Stream/consumer state transitions (CREATING → ACTIVE, ...) default to 500 ms; nobody needs to wait that long.
    CREATE_STREAM_DURATION: '100ms',
    DELETE_STREAM_DURATION: '100ms',
    REGISTER_STREAM_CONSUMER_DURATION: '100ms',
    DEREGISTER_STREAM_CONSUMER_DURATION: '100ms',
    MERGE_SHARDS_DURATION: '100ms',
    SPLIT_SHARD_DURATION: '100ms',
    UPDATE_SHARD_COUNT_DURATION: '100ms',
    UPDATE_STREAM_MODE_DURATION: '100ms',
    // AWS's default account limit (50 shards) is a billing guard; one shared local stack serves many jobs and test runs.
    SHARD_LIMIT: '100000',
  };
  if (config.persistDir) {
    Object.assign(env, {
      SHOULD_PERSIST_DATA: 'true',
      LOAD_DATA_IF_EXISTS: 'true',
      PERSIST_PATH: config.persistDir, // must be absolute: relative paths resolve against kinesis-mock's cwd
      // kinesis-mock rewrites the whole snapshot (all streams and records) every interval, changed or not, and also
      // once more when it receives SIGTERM/SIGINT (a cats-effect finalizer). So a graceful stop() never loses data;
      // the interval only bounds what a SIGKILL (the process 'exit' hook) loses. 1 s keeps that small; raise it if
      // snapshot serialisation of very large streams starts to cost noticeable CPU.
      PERSIST_INTERVAL: '1s',
    });
  }
  // cwd must be the package folder: main.js loads its TLS certificate from ./server.json.
  const launch = `${CLOSE_CONNECTIONS_ON_SHUTDOWN}\nrequire(${JSON.stringify(join(KINESIS_MOCK_DIR, 'main.js'))});`;
  const emulator = spawnEmulator('kinesis', process.execPath, ['-e', launch], { cwd: KINESIS_MOCK_DIR, env }, config.log);
  if (config.persistDir) {
    // The snapshot is rewritten in place, so a SIGKILL mid-write leaves truncated JSON, and kinesis-mock then dies on
    // start with nothing more helpful than "java.util.NoSuchElementException".
    emulator.failureHint =
      `If ${join(config.persistDir, 'kinesis-data.json')} is truncated or corrupt, delete it (this loses the local ` +
      'Kinesis data).';
  }
  return emulator;
}

/**
 * Run inside the kinesis-mock process before main.js. On SIGTERM/SIGINT kinesis-mock waits for every open connection
 * to end before it shuts down — and AWS SDK clients keep idle keep-alive connections open for as long as they live.
 * Measured: with one client still open, kinesis-mock kept serving after SIGTERM (17 s and counting); the periodic
 * snapshot loop had stopped at SIGTERM and the final snapshot only comes after the last connection. So stop() would
 * run into its grace period, SIGKILL, and lose everything since the last periodic snapshot.
 *
 * Ending the connections ourselves fixes that: kinesis-mock calls net.createServer through the module object, so
 * wrapping it here sees its sockets. It must be end() (FIN; the client closes its side, the server reads EOF):
 * destroy() closes the socket but kinesis-mock's pending read never completes, and shutdown still hangs. With end(),
 * kinesis-mock exits ~50 ms after SIGTERM, final snapshot written.
 */
const CLOSE_CONNECTIONS_ON_SHUTDOWN = `
const net = require('node:net');
const sockets = new Set();
const createServer = net.createServer;
net.createServer = function (...args) {
  const server = createServer.apply(this, args);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return server;
};
const endAll = () => { for (const socket of sockets) socket.end(); };
process.on('SIGTERM', endAll);
process.on('SIGINT', endAll);
`;

/**
 * One real API call (ListTables / ListStreams, a single attempt): resolves when the emulator at `endpoint` answers,
 * rejects otherwise. The readiness poll of a start and the stack service's health check.
 *
 * @example
 * ```ts
 * await probeEmulator('kinesis', 'http://127.0.0.1:4567');
 * ```
 */
export async function probeEmulator(name: EmulatorName, endpoint: string): Promise<void> {
  if (name === 'dynamodb') {
    const client = new DynamoDBClient({ endpoint, ...probeClientConfig() });
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
    } finally {
      client.destroy();
    }
  } else {
    const client = new KinesisClient({ endpoint, ...probeClientConfig() });
    try {
      await client.send(new ListStreamsCommand({ Limit: 1 }));
    } finally {
      client.destroy();
    }
  }
}

function probeClientConfig() {
  return {
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // The polling loop is the retry; SDK retries with backoff would only delay noticing that the emulator is up.
    maxAttempts: 1,
    // HTTP/1.1: the Kinesis client defaults to an HTTP/2 handler (for SubscribeToShard), kinesis-mock needs HTTP/1.1.
    requestHandler: new NodeHttpHandler({ connectionTimeout: 1_000, requestTimeout: 5_000 }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Child process plumbing

export interface Emulator {
  readonly name: string;
  /** Undefined when the process could not be spawned at all. */
  readonly pid: number | undefined;
  /** Resolves when the process has exited, or failed to spawn at all (then with `error`). Never rejects. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>;
  /** Last lines of stdout+stderr, oldest first. */
  outputTail(): string[];
  /** Hook to turn an early exit into a more specific error (e.g. JavaMissingError); undefined = generic error. */
  explainFailure?: (spawnError: Error | undefined) => Error | undefined;
  /** Appended to the generic start-up error, e.g. what to try next. */
  failureHint?: string;
  stop(): Promise<void>;
}

function spawnEmulator(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
  log: (line: string) => void,
): Emulator {
  // Not detached: a Ctrl-C in the terminal reaches the emulators as well (same process group), which is the only
  // protection against orphans when the parent dies from a signal and its 'exit' hook never runs.
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  liveChildren.add(child);

  const tail: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    // Reading is also what keeps a chatty emulator from blocking on a full pipe.
    createInterface({ input: stream }).on('line', (line) => {
      tail.push(line);
      if (tail.length > OUTPUT_TAIL_LINES) tail.shift();
      log(`[${name}] ${line}`);
    });
  }

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolveExit) => {
    // A permanent listener: ChildProcess also emits 'error' when kill() fails, and an unhandled 'error' would throw.
    child.on('error', (error) => {
      // 'error' without a pid = spawn failed (e.g. ENOENT) and no 'exit' will follow.
      if (child.pid === undefined) {
        liveChildren.delete(child);
        resolveExit({ code: null, signal: null, error });
      }
    });
    child.once('exit', (code, signal) => {
      liveChildren.delete(child);
      resolveExit({ code, signal });
    });
  });

  return {
    name,
    pid: child.pid,
    exited,
    outputTail: () => [...tail],
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      const stopStartedAt = Date.now();
      child.kill('SIGTERM');
      const graceful = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS, false, { ref: false })]);
      if (!graceful) {
        log(`[${name}] did not exit within ${STOP_GRACE_MS} ms of SIGTERM; sending SIGKILL`);
        child.kill('SIGKILL');
        await exited;
      }
      log(`[${name}] exited ${Date.now() - stopStartedAt} ms after SIGTERM`);
    },
  };
}

/**
 * Polls `probe` until it succeeds. Fails early if the process exits or `giveUp` fires (rethrowing its reason), and at
 * `deadline`.
 */
async function waitUntilReady(
  emulator: Emulator,
  deadline: number,
  giveUp: AbortSignal,
  probe: () => Promise<void>,
): Promise<void> {
  let exit: Awaited<Emulator['exited']> | undefined;
  void emulator.exited.then((result) => (exit = result));
  let lastProbeError: unknown;
  for (;;) {
    if (giveUp.aborted) throw giveUp.reason;
    if (exit) {
      const explained = emulator.explainFailure?.(exit.error);
      if (explained) throw explained;
      const how = exit.error
        ? `could not be started (${exit.error.message})`
        : `exited (${exit.signal ?? `code ${exit.code}`}) before becoming ready`;
      throw startupError(emulator, how, emulator.failureHint);
    }
    try {
      await probe();
      return;
    } catch (error) {
      lastProbeError = error;
    }
    if (Date.now() >= deadline) {
      const reason = lastProbeError instanceof Error ? lastProbeError.message : String(lastProbeError);
      throw startupError(emulator, `did not answer within ${START_TIMEOUT_MS / 1000} s (last error: ${reason})`);
    }
    await sleep(PROBE_INTERVAL_MS);
  }
}

function startupError(emulator: Emulator, what: string, hint?: string): Error {
  const output = emulator.outputTail();
  const shown = output.length > 0 ? output.map((line) => `  ${line}`).join('\n') : '  (no output)';
  return new Error(`Local ${emulator.name} emulator ${what}. ${hint ? `${hint} ` : ''}Last output:\n${shown}`);
}

/** Asks the OS for `count` distinct free ports. All listeners are held open together so the ports cannot repeat. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolveServer, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolveServer(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((closed) => server.close(closed))));
  return ports;
}
