/** The headline part of `eddy cost`'s text: processing cost per hour against Managed Flink, units by kind, execution environments. */
import { PRICES } from './model.ts';
import { HEAP_BYTES_PER_HELD_ITEM } from './environments.ts';
import type { ProcessingCost } from './processing.ts';
import { int, num, textTable, usd } from './text.ts';


/**
 * Bytes in the unit that reads best.
 *
 * @example
 * ```ts
 * bytes(1536); // '1.5 KB'
 * ```
 */
export function bytes(n: number): string {
  if (n < 1024) return `${int(n)} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${num(v, v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Events per second, or "never" when no crossover exists. @example `crossover(312.4) // '312 events/s'` */
export function crossover(rate: number | undefined): string {
  return rate === undefined ? 'none' : `${int(rate)} events/s`;
}

/**
 * The processing cost as lines of text.
 *
 * @example
 * ```ts
 * console.log(formatProcessing(priceRun(run).processing).join('\n'));
 * ```
 */
export function formatProcessing(p: ProcessingCost): string[] {
  const perHour = (total: number) => total / p.hours;
  const f = p.flink;
  const flinkParts = `${PRICES.flinkSmallestApplicationKpus} KPU × ${usd(PRICES.flinkKpuHour)} + ${PRICES.flinkRunningStorageGbPerKpu} GB running storage × ${usd(PRICES.flinkRunningStorageGbMonth)}/GB-month`;
  const mode = p.streamMode === 'on-demand' ? 'on-demand' : p.streamMode === 'mixed' ? 'as the plan says, per stream' : 'provisioned';
  const rows: (string | number)[][] = [
    ['Lambda requests', usd(perHour(p.variable.lambdaRequests))],
    ['Lambda duration (measured CPU × 1,769 MB / memory + wait per AWS request)', usd(perHour(p.variable.lambdaDuration))],
    ['CloudWatch Logs (every invocation\'s lines, metrics documents, one a minute per container)', usd(perHour(p.variable.logs))],
    ['DynamoDB reads', usd(perHour(p.variable.dynamoReads))],
    ['DynamoDB writes', usd(perHour(p.variable.dynamoWrites))],
    [`DynamoDB storage (average ${bytes(p.storage.averageBytes)}; log/snapshot/redo kept ${p.storage.retentionDays} d, TTL deletion ${p.storage.ttlLagHours} h late)`, usd(p.storage.perHour)],
    [`internal streams, ${mode}: data`, usd(perHour(p.variable.streams))],
    [`fixed: internal streams, ${mode}: shard- or stream-hours`, usd(p.fixedPerHour.streams)],
    [`fixed: sweep, 60 passes × ${usd(p.sweep.perPass)} (waits inside an invocation priced at 0: a pass does not report them)`, usd(p.fixedPerHour.sweep)],
    ['fixed: INIT of every execution environment, each recycle', usd(p.fixedPerHour.init)],
    ['fixed: CloudWatch custom metrics of the stages\' handlers', usd(p.fixedPerHour.metrics)],
    ['fixed: restores after recycling this run was too short to see', usd(p.fixedPerHour.projectedRestores)],
    ['total', usd(p.perHour)],
  ];
  const kinds = Object.entries(p.units.byKind).sort(([a], [b]) => a.localeCompare(b));
  return [
    `processing cost at ${num(p.rate, p.rate < 10 ? 1 : 0)} events/s (everything eddy adds beyond the source and sink streams): ${usd(p.perHour)}/h, ${usd(p.perMillion)} per million events` +
      (p.drained ? `, the end-of-input drain included (every event's lifecycle paid; ${num(100 * p.drainShare, 1)} % of the variable part)` : ', without a drain (lifecycles ending after the run not counted)'),
    `Managed Flink, smallest application (${flinkParts}): ${usd(f.flinkPerHour)}/h; eddy / Flink = ${num(f.ratio, 2)}x` +
      (p.drained ? `; the feed alone: ${usd(p.live.perHour)}/h = ${num(p.live.ratio, 2)}x (where state outlives the run, the two bracket the steady cost: the drain closes windows later events would fill)` : ''),
    `crossover (eddy's processing $/h = Flink's): ${crossover(f.crossoverRate)}${f.crossoverRate === undefined ? (p.fixedPerHour.total >= f.flinkPerHour ? ' (eddy\'s fixed cost alone reaches Flink\'s)' : '') : ', eddy cheaper below'}; assumes every event costs what it did at this run's batch shapes (${usd(p.variablePerEvent * 1e6)} per million) on top of ${usd(p.fixedPerHour.total)}/h fixed`,
    '',
    ...textTable(['per hour at this rate', '$/h'], rows),
    `internal streams priced both ways: provisioned ${usd(p.streamModes.provisioned)}/h, on-demand ${usd(p.streamModes.onDemand)}/h` +
      (p.streamModes.overShardLimits.length ? `; over a provisioned shard's write limits: ${p.streamModes.overShardLimits.join(', ')}` : ''),
    p.warmup.records > 0 ? `warm-up before the clock started (a bootstrap, once in a job's life): ${int(p.warmup.records)} records, ${usd(p.warmup.dollars)}, not in the figures per hour` : '',
    p.storage.openBytes > 0 ? `storage lower bound: ${bytes(p.storage.openBytes)} without TTL still stored at the end are counted until then only` : '',
    '',
    'DynamoDB request units of the stages by item kind (the sweep\'s are in its fixed cost)',
    ...textTable(['kind', 'RRU', 'WRU', 'RRU/event', 'WRU/event'], kinds.map(([kind, u]) => [kind, int(u.readUnits), int(u.writeUnits), num(p.units.perEvent[kind].readUnits, 3), num(p.units.perEvent[kind].writeUnits, 3)])),
    '',
    `execution environments: each invocation on a random one of its stage's pool, each replaced after ${p.recycleMinutes} simulated minutes; hits, catch-ups and restores as the batches report them (unreported: the state backend says nothing)`,
    ...textTable(
      ['stage', 'pool', 'started', 'recycled', 'hit', 'catch-up', 'restore', 'unreported', 'hit rate', 'catch-up read', 'restore read', 'held/container (stored)', 'items', `≈ heap (+${HEAP_BYTES_PER_HELD_ITEM} B/item)`],
      p.containers.map((c) => [
        c.stage, c.pool, c.started, c.recycled, int(c.batches.hit), int(c.batches['catch-up']), int(c.batches.restore), int(c.batches.unreported),
        c.hitRate === undefined ? '-' : `${num(100 * c.hitRate, 1)} %`, bytes(c.catchUpBytes), bytes(c.restoreBytes), bytes(c.peakHeldBytes), int(c.peakHeldItems), bytes(c.heapEstimateBytes),
      ]),
    ),
    memoryNote(p),
  ].filter((line, i, all) => line !== '' || all[i - 1] !== '');
}

/** How the largest container's state compares with the function's memory, and what the run could not see. */
export function memoryNote(p: Pick<ProcessingCost, 'containers' | 'memoryMb' | 'hours'>): string {
  const largest = [...p.containers].sort((a, b) => b.heapEstimateBytes - a.heapEstimateBytes)[0];
  if (!largest || largest.heapEstimateBytes === 0) return '';
  const share = largest.heapEstimateBytes / (p.memoryMb * 2 ** 20);
  return (
    `memory: the largest state a container held, ≈ ${bytes(largest.heapEstimateBytes)} of heap (${largest.stage}), is ${num(100 * share, share < 0.1 ? 1 : 0)} % of the function's ${p.memoryMb} MB — what ${int(p.hours * 3600)} simulated seconds reached; ` +
    'state that lives longer than the run keeps growing: at steady state a container needs its shards\' live items × (stored size + 280 B) (docs/operations.md, "Choosing a state backend")' +
    (share > 0.5 ? ` — WARNING: over half the function's memory already; raise --memory-mb (serverless.yml memorySize), add shards, or pick stateBackend 'items'` : '')
  );
}
