/**
 * `eddy dlq list` and `eddy dlq redrive`: the operator's view of a job's dead-letter table
 * (`<prefix><job>-dead-letter`, one item per bad record, see lib/runtime/dead-letters.ts).
 *
 * Where the table is: as for the other operating commands (lib/cli/target.ts), endpoints named
 * by the environment (`EDDY_DYNAMODB_ENDPOINT` + `EDDY_KINESIS_ENDPOINT`, or LocalStack's
 * `AWS_ENDPOINT_URL`), else AWS itself with `--aws`, else the local stack of `--data-dir`
 * (default `.eddy`, as `eddy run`); `EDDY_RESOURCE_PREFIX` is prepended to the table name.
 *
 * @example
 * ```sh
 * eddy dlq list order-timeout --stage source-orders            # the local stack of .eddy
 * eddy dlq list order-timeout --aws --format json | jq -r .reason | sort | uniq -c
 * # after deploying a fix (e.g. a schema that accepts "ts":"123"):
 * eddy dlq redrive order-timeout --stage source-orders
 * ```
 */
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Command } from 'commander';
import type { Job } from '../api/job.ts';
import { createClients, resolveAwsTarget, type AwsClients, type AwsTarget } from '../aws/config.ts';
import { DynamoDbStore } from '../aws/dynamodb-store.ts';
import { resourceNames, stageById, type Plan, type PlanStage } from '../plan/plan.ts';
import { planJob } from '../plan/planner.ts';
import { settleRedoLog } from '../runtime/commit.ts';
import { deadLetterItem, deadLetterOfItem, type DeadLetter } from '../runtime/dead-letters.ts';
import { compareSeq } from '../runtime/envelope.ts';
import { loadJob } from './load-job.ts';
import { targetEnv, withTarget, type TargetOptions } from './target.ts';

/** A dead letter as stored: `truncated` when the record was longer than an item holds. */
export type StoredDeadLetter = DeadLetter & { truncated: boolean };

export interface DlqFilter {
  /** Only this stage (a stage id of the job's plan, e.g. `source-orders`). */
  stage?: string;
  /** Only this shard (e.g. `shardId-000000000000`). */
  shard?: string;
}

/** What a redrive did with each dead letter it looked at. */
export interface RedriveReport {
  /** Written back to the source stream (`newShard`/`newSeq`), then deleted from the table. */
  redriven: { stage: string; shard: string; seq: string; newShard: string; newSeq: string }[];
  /** Left in the table, and why. */
  skipped: { stage: string; shard: string; seq: string; index: number; why: string }[];
}

/** Where the job's resources are: the plan, the SDK clients and the physical table name. */
interface DlqTarget {
  plan: Plan;
  target: AwsTarget;
  clients: AwsClients;
  table: string;
}

function targetOf(job: Job, env: NodeJS.ProcessEnv): DlqTarget {
  const plan = planJob(job.graph);
  const target = resolveAwsTarget(env);
  return { plan, target, clients: createClients(target), table: target.prefix + resourceNames.deadLetterTable(plan.job) };
}

/**
 * Every dead letter of a job (optionally of one stage / shard), ordered by stage, shard and
 * sequence number. The table is scanned rather than queried shard by shard: dead letters of
 * shards that no longer exist (closed by a reshard, then trimmed) must still be listed.
 *
 * @example
 * ```ts
 * const letters = await listDeadLetters(job, { stage: 'source-orders' }, process.env);
 * ```
 */
export async function listDeadLetters(job: Job, filter: DlqFilter = {}, env: NodeJS.ProcessEnv = process.env): Promise<StoredDeadLetter[]> {
  return scan(targetOf(job, env), filter);
}

async function scan({ plan, target, clients, table }: DlqTarget, filter: DlqFilter): Promise<StoredDeadLetter[]> {
  if (filter.stage !== undefined) stageById(plan, filter.stage); // fails with the list of stages
  // pk is `<stage>#<shard>`: a stage filter is a key prefix, evaluated by DynamoDB.
  const prefix = filter.stage === undefined ? undefined : `${filter.stage}#${filter.shard ?? ''}`;
  const out: StoredDeadLetter[] = [];
  let start: Record<string, unknown> | undefined;
  try {
    do {
      const page = await clients.documents.send(
        new ScanCommand({
          TableName: table,
          ConsistentRead: true,
          ExclusiveStartKey: start,
          ...(prefix !== undefined && { FilterExpression: 'begins_with(pk, :prefix)', ExpressionAttributeValues: { ':prefix': prefix } }),
        }),
      );
      for (const { pk, sk, ...attrs } of page.Items ?? []) out.push(deadLetterOfItem({ table: 'dead-letter', pk, sk, attrs }));
      start = page.LastEvaluatedKey;
    } while (start);
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    const where = target.kind === 'aws' ? `AWS ${target.region}` : target.dynamodbEndpoint;
    throw new Error(`no dead-letter table ${table} at ${where} (is the job deployed there, and EDDY_RESOURCE_PREFIX right?)`);
  }
  return out
    .filter((d) => (filter.stage === undefined || d.stage === filter.stage) && (filter.shard === undefined || d.shard === filter.shard))
    .sort((a, b) => a.stage.localeCompare(b.stage) || a.shard.localeCompare(b.shard) || compareSeq(a.seq, b.seq) || a.index - b.index);
}

/**
 * Renders dead letters. `json` is JSON Lines with the fields of `eddy replay`'s
 * `dead-letter.jsonl` (plus `truncated`, `at`), so the same tools read both; `text` is one
 * line per dead letter with the reason and a preview of the record, for people.
 *
 * @example
 * ```ts
 * console.log(formatDeadLetters(letters, 'text'));
 * // STAGE          SHARD                 SEQUENCE#INDEX  REASON                                              RECORD
 * // source-orders  shardId-000000000000  4968…1810#0     schema: ts: Invalid input: expected number, rec…  "{\"orderId\":\"o-1\",\"ts\":\"123\"}"
 * // 1 dead letter
 * ```
 */
export function formatDeadLetters(letters: StoredDeadLetter[], format: 'text' | 'json'): string {
  if (format === 'json') {
    return letters
      .map((d) => JSON.stringify({ stage: d.stage, shard: d.shard, sequenceNumber: d.seq, index: d.index, reason: d.reason, record: d.record, encoding: d.encoding, truncated: d.truncated, at: d.at }))
      .join('\n');
  }
  const rows = [['STAGE', 'SHARD', 'SEQUENCE#INDEX', 'REASON', 'RECORD'], ...letters.map((d) => [d.stage, d.shard, `${d.seq}#${d.index}`, oneLine(d.reason, 120), preview(d)])];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = rows.map((r) => r.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]) : cell)).join('  '));
  const count = `${letters.length} dead letter${letters.length === 1 ? '' : 's'}`;
  return letters.length === 0 ? count : [...lines, count].join('\n');
}

/** The start of the record on one line: JSON-quoted so that newlines and control bytes stay visible. */
function preview(d: StoredDeadLetter): string {
  const max = 80;
  const start = d.record.slice(0, max);
  const shown = (d.encoding === 'base64' ? `base64:${start}` : JSON.stringify(start)) + (d.record.length > max ? '…' : '');
  return d.truncated ? `${shown} (truncated)` : shown;
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * Writes each dead-lettered record of a *source* stage back into that source's stream — the
 * bytes as stored (`encoding` utf8 or base64) — and deletes its dead-letter item only after
 * the put succeeded. Run it after fixing the cause (the job's schema or code, or the data
 * upstream); a record that is still bad is simply dead-lettered again, under the new
 * sequence number it got in the stream (the old item is gone).
 *
 * What is not redriven stays in the table, reported in `skipped`:
 * - dead letters of keyed stages: their records are internal envelopes (or timers) whose
 *   origin positions were consumed; writing them back would be dropped or reorder a key;
 * - truncated records: the item holds only the start of the record.
 *
 * Redriven records join the end of the stream, after newer records of the same key, and
 * are processed with the event time they carry. A crash between a put and its delete leaves
 * the item, so a second redrive writes that record again: redrive is at-least-once.
 *
 * @example
 * ```ts
 * const report = await redriveDeadLetters(job, { stage: 'source-orders' }, process.env);
 * console.log(`${report.redriven.length} redriven, ${report.skipped.length} skipped`);
 * ```
 */
export async function redriveDeadLetters(job: Job, filter: DlqFilter = {}, env: NodeJS.ProcessEnv = process.env): Promise<RedriveReport> {
  const where = targetOf(job, env);
  if (filter.stage !== undefined && stageById(where.plan, filter.stage).kind !== 'source') {
    throw new Error(`stage ${filter.stage} reads an internal stream; only dead letters of source stages (${sourceStages(where.plan).join(', ')}) can be redriven`);
  }
  const report: RedriveReport = { redriven: [], skipped: [] };
  const store = new DynamoDbStore(where.clients.documents, { state: where.target.prefix + resourceNames.stateTable(where.plan.job), 'dead-letter': where.table });
  const settled = new Set<string>();
  for (const d of await scan(where, filter)) {
    const stage = where.plan.stages.find((s) => s.id === d.stage);
    const skip = (why: string) => report.skipped.push({ stage: d.stage, shard: d.shard, seq: d.seq, index: d.index, why });
    if (!stage) skip(`the job has no stage ${d.stage} (any more)`);
    else if (stage.kind !== 'source') skip('not a source stage: its records are internal envelopes');
    else if (d.truncated) skip('the record was truncated when dead-lettered; only its start is stored');
    else {
      // A pending redo log of the shard may hold this dead letter: replayed after the delete, it would put it back.
      if (!settled.has(`${d.stage}/${d.shard}`)) await settleRedoLog(store, d.stage, d.shard);
      settled.add(`${d.stage}/${d.shard}`);
      // One record at a time, delete after put: the table never loses a record the stream did not get.
      const written = await putBack(where, job, stage, d);
      const { pk, sk } = deadLetterItem(d);
      await where.clients.documents.send(new DeleteCommand({ TableName: where.table, Key: { pk, sk } }));
      report.redriven.push({ stage: d.stage, shard: d.shard, seq: d.seq, ...written });
    }
  }
  return report;
}

function sourceStages(plan: Plan): string[] {
  return plan.stages.filter((s) => s.kind === 'source').map((s) => s.id);
}

/** PutRecord (not PutRecords): one record, its new position returned, throttling retried by the SDK. */
async function putBack({ clients, target }: DlqTarget, job: Job, stage: PlanStage, d: StoredDeadLetter): Promise<{ newShard: string; newSeq: string }> {
  const data = Buffer.from(d.record, d.encoding === 'base64' ? 'base64' : 'utf8');
  const out = await clients.kinesis.send(new PutRecordCommand({ StreamName: target.prefix + stage.input.stream, Data: data, PartitionKey: partitionKeyOf(job, stage, d) }));
  return { newShard: out.ShardId!, newSeq: out.SequenceNumber! };
}

/**
 * The source's own partition key when the record still yields one (as `eddy feed` and replay
 * do), else one derived from the old position: a bad record has no key to keep in order with.
 */
function partitionKeyOf(job: Job, stage: PlanStage, d: StoredDeadLetter): string {
  const node = job.graph.nodes.find((n) => n.kind === 'source' && n.source.name === stage.input.source);
  const partitionKey = node?.kind === 'source' ? node.source.partitionKey : undefined;
  if (partitionKey && d.encoding === 'utf8') {
    try {
      const key = partitionKey(JSON.parse(d.record));
      if (typeof key === 'string' && key.length > 0 && key.length <= 256) return key;
    } catch {
      // still bad: any key will do
    }
  }
  return `dlq-${d.shard}-${d.seq}`.slice(-256);
}

/** What the commands need from outside; tests pass their own. */
export interface DlqCommandDeps {
  /** Where the resources are (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Resolves `<job>` (default: `loadJob`, a name under functions/ or a path to a job .ts). */
  load?: (name: string) => Promise<Job>;
  /** Receives the output (default: console.log). */
  print?: (text: string) => void;
}

/**
 * Adds `dlq list` and `dlq redrive` to the `eddy` program.
 *
 * @example
 * ```ts
 * const program = new Command('eddy');
 * registerDlqCommands(program);
 * await program.parseAsync(['node', 'eddy', 'dlq', 'list', 'order-timeout', '--format', 'json']);
 * ```
 */
export function registerDlqCommands(program: Command, deps: DlqCommandDeps = {}): Command {
  // The data dir's stack is started (if needed) only when the environment names no endpoints.
  const env = (opts: TargetOptions) => targetEnv(opts, { env: deps.env, say: (m) => console.error(m) });
  const load = deps.load ?? (async (name: string) => (await loadJob(name)).job);
  const print = deps.print ?? ((text: string) => console.log(text));

  const dlq = program.command('dlq').description("read and redrive a job's dead-letter table (--data-dir, --aws, or endpoints from the environment; EDDY_RESOURCE_PREFIX)");

  withTarget(
    dlq
      .command('list <job>')
      .description('list dead letters: stage, shard, sequence number, reason and a preview of the record')
      .option('--stage <stage>', 'only this stage (e.g. source-orders)')
      .option('--shard <shard>', 'only this shard (e.g. shardId-000000000000)')
      .option('--format <format>', 'text, or json (JSON Lines like dead-letter.jsonl, with the whole record)', 'text'),
  ).action(async (name: string, opts: DlqFilter & TargetOptions & { format: string }) => {
    if (opts.format !== 'text' && opts.format !== 'json') throw new Error(`--format takes text or json, got "${opts.format}"`);
    const letters = await listDeadLetters(await load(name), { stage: opts.stage, shard: opts.shard }, await env(opts));
    const text = formatDeadLetters(letters, opts.format);
    if (text) print(text);
  });

  withTarget(
    dlq
      .command('redrive <job>')
      .description('write dead-lettered records of source stages back into their stream, deleting each item once written; still-bad records are dead-lettered again under a new sequence number')
      .option('--stage <stage>', 'only this source stage')
      .option('--shard <shard>', 'only dead letters of this shard'),
  ).action(async (name: string, opts: DlqFilter & TargetOptions) => {
    const report = await redriveDeadLetters(await load(name), { stage: opts.stage, shard: opts.shard }, await env(opts));
    const lines = [
      ...report.redriven.map((r) => `redriven ${r.stage} ${r.shard} ${r.seq} -> ${r.newShard} ${r.newSeq}`),
      ...report.skipped.map((s) => `skipped  ${s.stage} ${s.shard} ${s.seq}#${s.index}: ${s.why}`),
      `${report.redriven.length} redriven, ${report.skipped.length} skipped`,
    ];
    print(lines.join('\n'));
  });

  return dlq;
}
