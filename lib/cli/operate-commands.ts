/**
 * The commands that operate on one stage of a job (docs/cli.md): `event`, `invoke`,
 * `state get`, `timers`, `checkpoints` and `reset`. All but `event` reach the job's streams
 * and tables through target.ts (`--data-dir` / `--aws` / endpoints from the environment).
 */
import type { Command } from 'commander';
import { parseKeyArgument } from '../local/stage-event.ts';
import { stageById } from '../plan/plan.ts';
import { checkpointRows, formatCheckpoints } from './checkpoints-command.ts';
import { eventCommand } from './event-command.ts';
import { formatKeyState, formatTimers } from './inspect-command.ts';
import { listTimers, readKeyState } from '../runtime/inspect.ts';
import { invokeCommand } from './invoke-command.ts';
import { loadJob } from './load-job.ts';
import { resetCommand } from './reset-command.ts';
import { usingTarget, withTarget, type TargetOptions } from './target.ts';

const say = (message: string) => console.error(message);

function format(value: string): 'text' | 'json' {
  if (value !== 'text' && value !== 'json') throw new Error(`--format takes text or json, got "${value}"`);
  return value;
}

/**
 * Adds the stage-level commands to the `eddy` program.
 *
 * @example
 * ```ts
 * const program = new Command('eddy');
 * registerOperateCommands(program);
 * await program.parseAsync(['node', 'eddy', 'timers', 'order-timeout', '--format', 'json']);
 * ```
 */
export function registerOperateCommands(program: Command): void {
  program
    .command('event <job> <stage>')
    .description("write the Kinesis event Lambda would deliver to one shard of a stage: a source stage's records are the lines; a keyed stage's envelopes carry the lines as payloads")
    .requiredOption('--input <file>', 'JSON Lines: source records, or payloads as the upstream stage sends them')
    .option('--out <file>', 'write the event here (default: stdout)')
    .option('--shard <shard>', 'the shard of the event (id or index; default: the shard of the first line); lines of other shards are left out')
    .option('--from <stage>', 'keyed stage: the upstream stage the payloads come from (default: its first)')
    .option('--key <key>', "keyed stage: this key for every line instead of the upstream's keyBy selector (JSON numbers and strings are parsed: 42, '\"42\"')")
    .option('--watermark <ms|none>', 'keyed stage: the watermark after the data (default: what the upstream source would send)')
    .option('--end', 'keyed stage: end of input after the data (the stage drains: every timer fires)')
    .action(async (name: string, stage: string, opts) => void (await eventCommand(name, stage, opts)));

  withTarget(
    program
      .command('invoke <job> <stage>')
      .description("run one stage's Lambda handler on a Kinesis event file with a fake Lambda context; print the response (batchItemFailures)")
      .requiredOption('--event <file>', 'a Kinesis event (eddy event writes one)')
      .option('--timeout <seconds>', "the function's timeout: the handler stops taking records when little of it is left", '60')
      .option('--out <dir>', 'sinks append <dir>/<sink>.jsonl instead of writing their streams and tables'),
  ).action(async (name: string, stage: string, opts) => void (await invokeCommand(name, stage, opts)));

  const state = program.command('state').description('keyed state of a job');
  withTarget(
    state
      .command('get <job> <stage> <key>')
      .description("every state item of a key in a stage's keyed operator, values decoded, with TTL (a key that parses as a JSON number or string is taken as such: 42, '\"42\"')")
      .option('--format <format>', 'text or json', 'text'),
  ).action(async (name: string, stageId: string, keyText: string, opts: TargetOptions & { format: string }) => {
    const f = format(opts.format);
    const { job } = await loadJob(name);
    const key = parseKeyArgument(keyText);
    await usingTarget(job, opts, { say }, async ({ plan, services }) => {
      const { partition, entries } = await readKeyState(job, plan, services, stageId, key);
      console.log(formatKeyState(stageId, key, partition, entries, f, Date.now()));
    });
  });

  withTarget(
    program
      .command('timers <job> [stage]')
      .description('pending timers (all stateful stages, or one): stage, key, domain, time, namespace')
      .option('--key <key>', 'only the timers of this key')
      .option('--format <format>', 'text, or json (JSON Lines)', 'text'),
  ).action(async (name: string, stageId: string | undefined, opts: TargetOptions & { key?: string; format: string }) => {
    const f = format(opts.format);
    const { job } = await loadJob(name);
    await usingTarget(job, opts, { say }, async ({ plan, services }) => {
      const stages = stageId ? [stageById(plan, stageId).id] : plan.stages.filter((s) => s.stateful).map((s) => s.id);
      const timers = await listTimers(plan, services, stages, opts.key === undefined ? undefined : parseKeyArgument(opts.key));
      const text = formatTimers(timers, f, Date.now());
      if (text) console.log(text);
    });
  });

  withTarget(
    program
      .command('checkpoints <job>')
      .description("each stage shard's checkpoint, the records after it (pending), the age of the oldest (lag) and Kinesis's MillisBehindLatest")
      .option('--stage <stage>', 'only this stage')
      .option('--format <format>', 'text, or json (JSON Lines)', 'text'),
  ).action(async (name: string, opts: TargetOptions & { stage?: string; format: string }) => {
    const f = format(opts.format);
    const { job } = await loadJob(name);
    await usingTarget(job, opts, { say }, async ({ plan, services }) => {
      const rows = await checkpointRows(plan, services, opts.stage ? [stageById(plan, opts.stage).id] : undefined);
      const text = formatCheckpoints(rows, f);
      if (text) console.log(text);
    });
  });

  withTarget(
    program
      .command('reset <job> <stage>')
      .description("move a stage's shard checkpoints so that its next batch starts there; state, timers and watermarks are not rewound")
      .requiredOption('--to <position>', 'trim-horizon, latest, a time (ISO 8601, or timestamp:<epoch ms>): the first record that arrived at or after it, or a sequence number: that record')
      .option('--shard <shard>', 'only this shard (needed with a sequence number when the stage has several)'),
  ).action(async (name: string, stage: string, opts: TargetOptions & { to: string; shard?: string }) => void (await resetCommand(name, stage, opts)));
}
