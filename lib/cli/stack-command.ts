import { EMULATOR_NAMES } from '../local/emulators.ts';
import { ensureStack, stackStatus, stopStack, type EmulatorReport } from '../local/stack-service.ts';

/**
 * `eddy stack start|stop|status [--data-dir <dir>]`: the persistent local stack of a data dir
 * as a service. `start` is idempotent (reuses a running stack); `stop` flushes the emulators
 * to disk and waits until they are gone; `status` reports the service and each emulator (running,
 * restarting, down) and exits with code 3 when no service is running, 1 when it runs but an
 * emulator does not answer (its supervisor restarts it on the same port), 0 when all is well.
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
    const status = await stackStatus(options.dataDir);
    if (!status) {
      console.log(`no local stack running for ${options.dataDir}`);
      process.exitCode = 3; // as `systemctl status` does for a stopped unit
      return;
    }
    const { info, emulators } = status;
    const unwell = EMULATOR_NAMES.filter((name) => emulators[name].state !== 'running');
    console.log(`local stack ${unwell.length === 0 ? 'running' : 'degraded'} for ${info.dataDir} (pid ${info.pid}, since ${info.startedAt})`);
    for (const name of EMULATOR_NAMES) console.log(`  ${describeEmulator(name, emulators[name])}`);
    console.log(`EDDY_DYNAMODB_ENDPOINT=${info.endpoints.dynamodb}`);
    console.log(`EDDY_KINESIS_ENDPOINT=${info.endpoints.kinesis}`);
    if (unwell.length > 0) process.exitCode = 1;
  }
}

/** `dynamodb: restarting (pid 4242, http://127.0.0.1:40001; restart 2, last exit SIGKILL at ...)` */
function describeEmulator(name: string, e: EmulatorReport): string {
  const where = [e.pid === undefined ? undefined : `pid ${e.pid}`, e.endpoint].filter(Boolean).join(', ');
  const history = [
    e.restarts ? `${e.restarts} restart${e.restarts === 1 ? '' : 's'}` : undefined,
    e.lastExit ? `last exit ${e.lastExit.how} at ${e.lastExit.at}` : undefined,
    e.failing && e.state !== 'running' ? `failing: ${e.failing}` : undefined,
  ].filter(Boolean);
  return `${name}: ${e.state} (${where}${history.length > 0 ? `; ${history.join(', ')}` : ''})`;
}
