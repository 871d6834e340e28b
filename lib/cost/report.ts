/** The text `eddy cost` prints: the processing cost against Managed Flink, then tables per stage, eddy against the naive baseline, fixed costs. */
import { PRICES } from './model.ts';
import type { CostReport, Dollars, Usage } from './price.ts';
import { formatProcessing } from './processing-report.ts';
import { int, num, textTable, usd } from './text.ts';


const rate = (r: number) => (Number.isFinite(r) ? `${int(r)} records/s` : 'all at once (as replay: the fullest batches)');

function usageRows(stages: { stage: string; u: Usage & { dollars: Dollars } }[]): (string | number)[][] {
  const rows = stages.map(({ stage, u }) => [stage, int(u.events), int(u.invocations), num(u.gbSeconds, 3), int(u.recordsIn), int(u.kbIn), int(u.payloadUnits), int(u.kbRead), int(u.sinkRecords), int(u.readUnits), int(u.writeUnits), usd(u.dollars.total)]);
  const total = (k: keyof Usage) => stages.reduce((n, s) => n + s.u[k], 0);
  rows.push(['total', '', int(total('invocations')), num(total('gbSeconds'), 3), int(total('recordsIn')), int(total('kbIn')), int(total('payloadUnits')), int(total('kbRead')), int(total('sinkRecords')), int(total('readUnits')), int(total('writeUnits')), usd(stages.reduce((n, s) => n + s.u.dollars.total, 0))]);
  return rows;
}

const USAGE_HEADERS = ['stage', 'events', 'invocations', 'GB-s', 'records in', 'KB in', 'PUT units', 'KB read', 'sink records', 'RRU', 'WRU', '$'];

/**
 * The report as lines of text.
 *
 * @example
 * ```ts
 * console.log(formatCostReport(priceRun(run)).join('\n'));
 * ```
 */
export function formatCostReport(r: CostReport): string[] {
  const perM = (d: number) => (r.inputEvents === 0 ? 0 : (d / r.inputEvents) * 1e6);
  const components: [string, keyof Dollars][] = [
    ['Lambda requests', 'lambdaRequests'],
    ['Lambda duration', 'lambdaDuration'],
    ['DynamoDB reads', 'dynamoReads'],
    ['DynamoDB writes', 'dynamoWrites'],
    ['Kinesis data in', 'kinesisIn'],
    ['Kinesis retrieval', 'kinesisReads'],
    ['total', 'total'],
  ];
  const ratio = (n: number, d: number) => (d === 0 ? (n === 0 ? '-' : 'inf') : `${num(n / d, 2)}x`);
  return [
    `eddy cost: ${r.job}, ${int(r.inputEvents)} input events fed ${Number.isFinite(r.rate) ? 'at ' : ''}${rate(r.rate)}; in memory, every stage through its Lambda handler`,
    `Lambda ${r.memoryMb} MB; us-east-1 list prices; simulated time, ${int(r.processing.hours * 3600)} s of input; execution environments at random per stage (pool, recycling and hit rate below)`,
    '',
    ...(Number.isFinite(r.rate) ? [...formatProcessing(r.processing), ''] : ['(fed all at once: no rate, so no processing cost per hour nor Managed Flink comparison)', '']),
    `The per-event view (Kinesis and DynamoDB on-demand, source and sink streams included; Lambda billed per invocation = measured handler time rounded up to 1 ms${r.ioMs ? ` + ${r.ioMs} ms of I/O` : ', no I/O wait'})`,
    `$ per million input events: eddy ${usd(r.perMillion.eddy)}, naive per-event baseline ${usd(r.perMillion.naive)} (naive/eddy ${ratio(r.perMillion.naive, r.perMillion.eddy)}); fixed costs per hour below`,
    '',
    'eddy, per stage (records in / KB in / PUT units: the stage\'s input stream, plus its sinks\' PUT units; RRU/WRU: DynamoDB request units by the published rules)',
    ...textTable(USAGE_HEADERS, usageRows(r.stages.map((s) => ({ stage: s.stage, u: s.eddy })))),
    '',
    'eddy\'s DynamoDB request units by item kind (checkpoint: with its redo log when inline; redo: the parts of a log not inline)',
    ...textTable(['stage', 'kind', 'RRU', 'WRU'], r.stages.flatMap((s) => Object.entries(s.dynamoByKind).map(([kind, u]) => [s.stage, kind, int(u.readUnits), int(u.writeUnits)]))),
    '',
    'naive per-event baseline, per stage (one invocation per event, one record per event per hop, one state read + write per event on stateful stages)',
    ...textTable(USAGE_HEADERS, usageRows(r.stages.map((s) => ({ stage: s.stage, u: s.naive })))),
    '',
    '$ per million input events, by component',
    ...textTable(['component', 'eddy', 'naive', 'naive/eddy'], components.map(([label, k]) => [label, usd(perM(r.eddy[k])), usd(perM(r.naive[k])), ratio(r.naive[k], r.eddy[k])])),
    '',
    `fixed, per hour: ${r.fixed.streams} on-demand streams × ${usd(PRICES.kinesisOnDemandStreamHour)} = ${usd(r.fixed.streamsPerHour)}` +
      (r.fixed.sweepPerHour > 0 ? `; sweep 60 passes × ${usd(r.processing.sweep.perPass)} = ${usd(r.fixed.sweepPerHour)}` : '; no sweep') +
      `; total ${usd(r.fixed.perHour)}/h` +
      (Number.isFinite(r.rate) ? ` = ${usd(r.fixed.perMillionAtRate)} per million events at ${rate(r.rate)}` : ''),
    `provisioned streams instead: ${usd(r.perMillion.eddyProvisioned)} per million events (PUT payload units instead of per-GB data in and out) + ${r.fixed.shards} shards × ${usd(PRICES.kinesisShardHour)} = ${usd(r.fixed.shardsPerHourProvisioned)}/h`,
  ];
}
