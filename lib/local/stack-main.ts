/**
 * The local stack service process (started detached by `ensureStack` in stack-service.ts;
 * argument: the data dir). It runs DynamoDB Local and kinesis-mock persisting under the data
 * dir, announces them in `<dataDir>/stack.json`, and on SIGTERM/SIGINT stops them gracefully —
 * the graceful stop is what makes kinesis-mock write its final snapshot — then removes
 * stack.json and exits. Its output goes to `<dataDir>/stack.log`.
 *
 * It supervises the emulators (`startLocalStack({ supervise })`): one that dies on its own is
 * started again on the same port and data, with backoff, and stack.json always holds each
 * emulator's pid, state and restart history for `eddy stack status`. An emulator's death never
 * ends this process; only SIGTERM/SIGINT do.
 */
import { rm } from 'node:fs/promises';
import { startLocalStack, type EmulatorStatuses } from './emulators.ts';
import { readStackInfo, stackFiles, writeStackInfo } from './stack-service.ts';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: stack-main.ts <data-dir>');
const files = stackFiles(dataDir);
const log = (line: string) => {
  // kinesis-mock logs a Scala stack trace for every handled client error (e.g. each "stream already exists" of an
  // idempotent provisioning): keep the message, drop the frames, or the log grows by ~25 lines per eddy command.
  if (/^\[kinesis\]\s+at /.test(line)) return;
  console.log(`${new Date().toISOString()} ${line}`);
};

// A service outlives its mistakes: log a stray rejection rather than die of it (Node's default) and take the
// emulators with us. The supervisor catches its own errors; this is the net under it.
process.on('unhandledRejection', (reason) => log(`! unhandled rejection: ${(reason as Error)?.stack ?? String(reason)}`));
// While both emulators are down between restarts nothing else may hold the event loop open for a moment; this does.
const keepAlive = setInterval(() => {}, 2 ** 30);

// Installed before the emulators start, so a stop requested during start-up still stops them gracefully (a SIGKILL
// could catch kinesis-mock rewriting its snapshot and leave it truncated).
let stack: Awaited<ReturnType<typeof startLocalStack>> | undefined;
let stopRequested: string | undefined;
let stopping = false;
const startedAt = new Date().toISOString();

// stack.json is rewritten on every change of an emulator's state; one write at a time (they share a temp file), the
// last one with the latest state, and none once the stop has begun (it removes the file).
let announced: Promise<void> = Promise.resolve();
const announce = (emulators?: EmulatorStatuses): Promise<void> =>
  (announced = announced
    .then(async () => {
      if (!stack || stopping) return;
      await writeStackInfo({ pid: process.pid, endpoints: stack.endpoints, dataDir: files.dir, startedAt, emulators: emulators ?? stack.emulators() });
    })
    .catch((error: unknown) => log(`! could not write ${files.info}: ${(error as Error).message}`)));

const shutdown = async () => {
  if (!stack || stopping) return; // still starting: the start-up path calls us when the stack is up
  stopping = true;
  await announced;
  log(`${stopRequested}: stopping the emulators`);
  // stop() keeps kinesis-mock's snapshot intact (see kinesis-snapshot.ts) and ends the supervision.
  await stack.stop();
  // Only our own announcement: a successor may already have written its own.
  if ((await readStackInfo(files.dir))?.pid === process.pid) await rm(files.info, { force: true });
  log('stopped');
  clearInterval(keepAlive);
  process.exit(0);
};
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    stopRequested ??= signal;
    void shutdown();
  });
}
// Detached, without a terminal; a hang-up from whoever started us is not a reason to stop.
process.on('SIGHUP', () => {});

log(`starting the local stack, data in ${files.dir}`);
try {
  stack = await startLocalStack({ dataDir: files.dir, log, supervise: (emulators) => void announce(emulators) });
} catch (error) {
  // Start-up failures end the service (ensureStack reports the log's tail); nothing runs yet that needs supervising.
  log(`! the local stack did not start: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
}
if (stopRequested) await shutdown();
else {
  await announce();
  const { dynamodb, kinesis } = stack.emulators();
  log(`ready: dynamodb ${stack.endpoints.dynamodb} (pid ${dynamodb.pid}), kinesis ${stack.endpoints.kinesis} (pid ${kinesis.pid})`);
}
