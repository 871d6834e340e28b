/**
 * The local stack service process (started detached by `ensureStack` in stack-service.ts;
 * argument: the data dir). It runs DynamoDB Local and kinesis-mock persisting under the data
 * dir, announces them in `<dataDir>/stack.json`, and on SIGTERM/SIGINT stops them gracefully —
 * the graceful stop is what makes kinesis-mock write its final snapshot — then removes
 * stack.json and exits. Its output goes to `<dataDir>/stack.log`.
 */
import { rm } from 'node:fs/promises';
import { startLocalStack } from './emulators.ts';
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

// Installed before the emulators start, so a stop requested during start-up still stops them gracefully (a SIGKILL
// could catch kinesis-mock rewriting its snapshot and leave it truncated).
let stack: Awaited<ReturnType<typeof startLocalStack>> | undefined;
let stopRequested: string | undefined;
let stopping = false;
const shutdown = async () => {
  if (!stack || stopping) return; // still starting: the start-up path calls us when the stack is up
  stopping = true;
  log(`${stopRequested}: stopping the emulators`);
  // stop() keeps kinesis-mock's snapshot intact (see kinesis-snapshot.ts).
  await stack.stop();
  // Only our own announcement: a successor may already have written its own.
  if ((await readStackInfo(files.dir))?.pid === process.pid) await rm(files.info, { force: true });
  log('stopped');
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
stack = await startLocalStack({ dataDir: files.dir, log });
if (stopRequested) await shutdown();
else {
  await writeStackInfo({ pid: process.pid, endpoints: stack.endpoints, dataDir: files.dir, startedAt: new Date().toISOString() });
  log(`ready: dynamodb ${stack.endpoints.dynamodb}, kinesis ${stack.endpoints.kinesis}`);
}
