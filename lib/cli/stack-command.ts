import { ensureStack, runningStack, stopStack } from '../local/stack-service.ts';

/**
 * `eddy stack start|stop|status [--data-dir <dir>]`: the persistent local stack of a data dir
 * as a service. `start` is idempotent (reuses a running stack); `stop` flushes the emulators
 * to disk and waits until they are gone; `status` exits with code 3 when nothing is running.
 *
 * @example
 * ```ts
 * await stackCommand('start', { dataDir: '.eddy' });
 * ```
 */
export async function stackCommand(action: 'start' | 'stop' | 'status', options: { dataDir: string }): Promise<void> {
  const say = (m: string) => console.error(m);
  if (action === 'start') {
    const { info, started } = await ensureStack(options.dataDir, { say });
    console.log(`local stack ${started ? 'started' : 'already running'} for ${info.dataDir} (pid ${info.pid})`);
    console.log(`EDDY_DYNAMODB_ENDPOINT=${info.endpoints.dynamodb}`);
    console.log(`EDDY_KINESIS_ENDPOINT=${info.endpoints.kinesis}`);
  } else if (action === 'stop') {
    const pid = await stopStack(options.dataDir);
    console.log(pid === undefined ? `no local stack running for ${options.dataDir}` : `local stack stopped (pid ${pid}); its data stays in ${options.dataDir}`);
  } else {
    const info = await runningStack(options.dataDir);
    if (!info) {
      console.log(`no local stack running for ${options.dataDir}`);
      process.exitCode = 3; // as `systemctl status` does for a stopped unit
      return;
    }
    console.log(`local stack running for ${info.dataDir} (pid ${info.pid}, since ${info.startedAt})`);
    console.log(`EDDY_DYNAMODB_ENDPOINT=${info.endpoints.dynamodb}`);
    console.log(`EDDY_KINESIS_ENDPOINT=${info.endpoints.kinesis}`);
  }
}
