import { MAX_WATERMARK } from '../api/time.ts';
import { DecodeError } from '../connectors/source-spec.ts';
import { BatchTimers } from '../time/batch-timers.ts';
import { findDueTimers } from '../time/timer-queries.ts';
import { timerItem, type TimerDomain, type TimerLayout } from '../time/timer-items.ts';
import { InputWatermark } from '../time/watermarks.ts';
import type { BatchResult, InputRecord } from './batch.ts';
import { BatchRun } from './batch-run.ts';
import { NO_TIMER, type Checkpoint } from './checkpoint.ts';
import { hashKeyOf } from '../plan/partitioning.ts';
import { broadcastKeyOf, type Ancestor } from './broadcast-side.ts';
import { statePartition } from '../state/keys.ts';
import type { Item, StateReader } from '../state/store.ts';
import type { StateEncoding } from '../state/item-cache.ts';
import { BROADCAST_KEY, compareOrigin, decodeEnvelopes, type Envelope, type EnvelopeRecord } from './envelope.ts';
import { stageById } from '../plan/plan.ts';
import { consumedOrigin } from './resharding.ts';
import type { StageTask, UpstreamShards } from './task.ts';

/** Dead letters of failing timers sit after those of the record's envelopes, and held records (bootstrap) after those. */
const TIMER_DEAD_LETTER_INDEX = 100_000;
const HELD_DEAD_LETTER_INDEX = 1_000_000_000;

/** A keyed stage: envelopes in, keyed state and timers, envelopes or sink records out. */
export class KeyedBatch extends BatchRun {
  private upstreams!: UpstreamShards;
  private watermark!: InputWatermark;
  private readonly timers: BatchTimers;
  private readonly layout: TimerLayout;
  private now: number;
  /** The input record being processed; timers fired now are dead-lettered under it. */
  private seq = '';
  /** End of input was reached (and drained) in this batch. */
  private justEnded = false;

  /**
   * `encoding`: how written state is encoded (ItemCache); `attempted`: in a batch run again
   * eagerly, the input (`<seq>/<envelope index>`) whose function already threw once, so that it
   * still gets 1 + functionRetries attempts in all.
   */
  constructor(task: StageTask, previous: Checkpoint, result: BatchResult, deadline: number | undefined, reader: StateReader, encoding: StateEncoding, private readonly attempted?: string) {
    super(task, previous, result, deadline, reader, encoding);
    const opts = task.plan.options;
    this.layout = { stage: task.stage.id, keyGroups: opts.maxParallelism, partitions: opts.timerPartitions };
    this.timers = new BatchTimers(this.cache, this.layout);
    this.now = task.services.processingTime === 'event' ? this.cp.clock : task.services.wallClock();
  }

  /** Processing time as the batch ended (simulated in replay): what keyed state TTL is measured against. */
  processingTime(): number {
    return this.now;
  }

  async process(records: InputRecord[]): Promise<Checkpoint> {
    const decoded = records.map((record) => {
      try {
        const envelopes = decodeEnvelopes(record.data);
        if (envelopes.to !== undefined && envelopes.to !== this.task.shardId) {
          this.result.misrouted++; // holds another shard's keys; its sender sends it again (emitter.ts)
          return { record, envelopes: undefined };
        }
        return { record, envelopes };
      } catch (error) {
        this.deadLetter(record.seq, 0, record.data, new DecodeError(`undecodable internal record: ${(error as Error).message}`));
        return { record, envelopes: undefined };
      }
    });
    const inputs = decoded.flatMap((d) => (d.envelopes ? [d.envelopes] : []));
    this.upstreams = await this.task.upstreamShards(inputs.map((i) => `${i.from.stage}/${i.from.shard}`));
    this.cp.startedAt ??= this.now;
    // The floor includes the last watermark sent: leaving an idle upstream out may have raised
    // it, and it must not go back when that upstream speaks again (its records are then late).
    const floor = Math.max(this.cp.watermarkFloor, this.cp.emittedWatermark);
    this.watermark = new InputWatermark(this.upstreams.ids, this.cp.watermarks, floor, this.upstreams.lineage, this.idleUpstreams());
    await this.prepare(inputs);

    const op = this.task.chain.keyed!;
    op.begin({
      cache: this.cache, timers: this.timers, now: () => this.now, wallClock: this.task.services.wallClock, watermark: () => this.watermark.current(),
      keysWithState: (name) => this.keysWithState(name),
    });
    await this.inheritBroadcastState();
    if (this.task.services.processingTime === 'system') {
      // Processing-time timers due when the batch starts fire first, their outputs numbered at
      // the batch's first record: a retry starts at the same record (simulated time fires them per record).
      this.task.outputs.at((this.seq = records[0].seq));
      await this.fire('P', this.now);
    }
    for (const { record, envelopes } of decoded) {
      if (this.outOfTime()) break;
      this.task.outputs.at(record.seq);
      this.seq = record.seq;
      if (envelopes) {
        const upstream = `${envelopes.from.stage}/${envelopes.from.shard}`;
        if (envelopes.from.stage !== '$sweep') (this.cp.heardAt ??= {})[upstream] = this.now;
        for (let i = 0; i < envelopes.envelopes.length; i++) await this.handle(upstream, record, i, envelopes.envelopes[i]);
      }
      this.processed = record.seq;
    }
    const snapshot = this.watermark.snapshot();
    this.cp.watermarks = snapshot.reported;
    this.cp.watermarkFloor = snapshot.floor;
    this.cp.clock = Math.max(this.cp.clock, this.task.services.processingTime === 'event' ? this.now : 0);
    this.cp.nextTimer = {
      E: Math.min(this.cp.nextTimer.E, this.timers.earliestPending('E'), NO_TIMER),
      P: Math.min(this.cp.nextTimer.P, this.timers.earliestPending('P'), NO_TIMER),
    };
    this.timers.flush();
    this.cache.materialize(); // before anything leaves the batch: a value too big to store runs it again, eagerly
    await this.emit(this.watermark.current(), this.justEnded);
    return this.finish();
  }

  /**
   * Flink's `withIdleness`, live: a source shard not heard from for its source's idleness
   * timeout no longer holds the watermark back while another upstream is active. Replay
   * (simulated time) never leaves an upstream out, so its results do not depend on scheduling.
   */
  private idleUpstreams(): (upstream: string) => boolean {
    if (this.task.services.processingTime !== 'system') return () => false;
    const idleness = new Map<string, number>();
    for (const up of this.task.stage.upstream) {
      const node = this.task.job.graph.node(stageById(this.task.plan, up).entryNode);
      if (node?.kind === 'source' && node.watermarks.idlenessMs !== undefined) idleness.set(up, node.watermarks.idlenessMs);
    }
    if (idleness.size === 0) return () => false;
    return (upstream) => {
      const ms = idleness.get(upstream.slice(0, upstream.indexOf('/')));
      return ms !== undefined && this.now - (this.cp.heardAt?.[upstream] ?? this.cp.startedAt ?? this.now) > ms;
    };
  }

  /** Finds the timers that can fire in this batch and preloads the state of every key involved. */
  private async prepare(inputs: EnvelopeRecord[]): Promise<void> {
    const probe = new InputWatermark(this.upstreams.ids, this.cp.watermarks, this.cp.watermarkFloor, this.upstreams.lineage);
    const keys = new Set<string>();
    let maxDataTs = this.now;
    for (const input of inputs) {
      const upstream = `${input.from.stage}/${input.from.shard}`;
      for (const e of input.envelopes) {
        if (e.kind === 'data') {
          if (e.key !== BROADCAST_KEY) keys.add(e.key);
          maxDataTs = Math.max(maxDataTs, e.ts);
        } else if (e.kind === 'watermark') probe.update(upstream, e.watermark);
        else if (e.kind === 'end') probe.update(upstream, MAX_WATERMARK);
        else if (e.kind === 'tick' && e.watermark !== undefined) probe.raiseFloor(e.watermark);
      }
    }
    const draining = probe.allEnded() && !this.cp.ended;
    const bounds: Record<TimerDomain, number> = {
      E: draining ? MAX_WATERMARK : probe.current(),
      P: draining ? MAX_WATERMARK : this.task.services.processingTime === 'event' ? maxDataTs : this.now,
    };
    const range = await this.task.hashRange();
    for (const domain of ['E', 'P'] as const) {
      this.timers.markKnown(domain, bounds[domain]); // queried below, or the hint says no stored timer is due by then
      if (bounds[domain] < this.cp.nextTimer[domain]) continue;
      const { due, next } = await findDueTimers(this.reader, this.layout, range, domain, bounds[domain]);
      this.cache.seed(due.map((t) => timerItem(this.layout, t)));
      this.timers.addExisting(due);
      for (const t of due) keys.add(t.key);
      this.cp.nextTimer[domain] = Math.min(next, NO_TIMER);
    }
    await this.cache.preload(this.task.chain.keyed!.preloadKeys(keys));
  }

  /** A shard split or merged from others takes over their broadcast state (see BroadcastSide.inherit). */
  private async inheritBroadcastState(): Promise<void> {
    const side = this.task.chain.keyed!.broadcast;
    const own = await this.task.ownShard();
    if (!side || own.parents.length === 0) return;
    const ancestry = (id: string): Ancestor => ({ shardId: id, parents: (own.listing.find((s) => s.shardId === id)?.parents ?? []).map(ancestry) });
    const uid = this.task.chain.keyed!.operatorUid;
    await side.inherit(own.parents.map(ancestry), {
      partitionOf: (shardId) => this.reader.query('state', statePartition(uid, broadcastKeyOf(shardId))),
      owns: (key) => {
        const hash = hashKeyOf(key);
        return hash >= own.start && hash <= own.end;
      },
      drop: (item) => this.cache.set(item, undefined),
    });
  }

  private async handle(upstream: string, record: InputRecord, index: number, e: Envelope): Promise<void> {
    switch (e.kind) {
      case 'data': {
        const consumed = consumedOrigin(this.cp, upstream, e.key);
        if (consumed && compareOrigin(e.origin, consumed) <= 0) {
          this.result.duplicates++;
          return;
        }
        this.cp.origins[upstream] = e.origin;
        if (this.task.services.processingTime === 'event' && e.ts > this.now) this.now = e.ts;
        this.result.dataIn++;
        if (e.ts <= this.watermark.current()) {
          this.result.late++;
          this.cp.lateRecords = (this.cp.lateRecords ?? 0) + 1;
        }
        this.cp.lastDataAt = this.now;
        // Retried (its effects undone) before it is dead-lettered; no closures per record.
        const cacheMark = this.cache.mark();
        const outMark = this.task.outputs.mark();
        const op = this.task.chain.keyed!;
        const broadcast = e.key === BROADCAST_KEY && op.broadcast !== undefined;
        let bootstrapped = false;
        for (let n = this.attempted === `${record.seq}/${index}` ? 1 : 0; ; n++) {
          try {
            if (broadcast) bootstrapped = await op.processBroadcast(e.ts, e.payload);
            else if ((await op.processElement(e.key, e.ts, e.payload, e.in ?? 1)) === 'held') this.result.held++;
            break;
          } catch (error) {
            this.cache.rollback(cacheMark, error, `${record.seq}/${index}`); // a lazy cache throws here: the batch runs again, eagerly
            this.task.outputs.rollback(outMark);
            if (this.mayRetry(n, error)) continue;
            this.deadLetter(record.seq, index, JSON.stringify(e), error);
            break;
          }
        }
        if (bootstrapped) await this.release(record, index);
        if (this.task.services.processingTime === 'event') await this.fire('P', this.now);
        return;
      }
      case 'watermark':
        if (this.watermark.update(upstream, e.watermark)) await this.fire('E', this.watermark.current());
        return;
      case 'end':
        if (this.watermark.update(upstream, MAX_WATERMARK)) await this.fire('E', this.watermark.current());
        if (this.watermark.allEnded() && !this.cp.ended) {
          // The last upstream ended: drain here, so the drained outputs are numbered at this record.
          await this.drain();
          this.cp.ended = this.justEnded = true;
        }
        return;
      case 'tick':
        if (e.watermark !== undefined && this.watermark.raiseFloor(e.watermark)) await this.fire('E', this.watermark.current());
        return;
    }
  }

  /** Fires every live timer of `domain` due at `bound`, earliest first, each with its key's state. */
  private async fire(domain: TimerDomain, bound: number): Promise<void> {
    const op = this.task.chain.keyed!;
    for (let timer = this.timers.nextDue(domain, bound); timer; timer = this.timers.nextDue(domain, bound)) {
      const cacheMark = this.cache.mark();
      const outMark = this.task.outputs.mark();
      try {
        await op.onTimer(timer);
      } catch (error) {
        this.cache.rollback(cacheMark, error);
        this.task.outputs.rollback(outMark);
        this.timers.delete(timer); // a timer whose onTimer throws is dead-lettered, not retried forever
        this.deadLetter(this.seq, TIMER_DEAD_LETTER_INDEX + this.result.timersFired, JSON.stringify({ timer }), error);
      }
      this.result.timersFired++;
    }
  }

  /**
   * The bootstrap completed at this broadcast element: the main records held until now are
   * processed in arrival order, each on its own (a failing one is dead-lettered, not the rest).
   */
  private async release(record: InputRecord, index: number): Promise<void> {
    const op = this.task.chain.keyed!;
    const held = await op.broadcast!.takeHeld();
    this.result.released += held.length;
    for (let i = 0; i < held.length; i++) {
      const h = held[i];
      const cacheMark = this.cache.mark();
      const outMark = this.task.outputs.mark();
      const undo = () => {
        this.cache.rollback(cacheMark);
        this.task.outputs.rollback(outMark);
      };
      try {
        await this.retrying(() => op.processElement(h.key, h.ts, h.value), undo);
      } catch (error) {
        undo();
        this.deadLetter(record.seq, HELD_DEAD_LETTER_INDEX + index * 1_000_000 + i, JSON.stringify(h), error);
      }
    }
  }

  /** Keys of this shard's hash range holding state `name` of the operator: the table's (scanned) and this batch's. */
  private async keysWithState(name: string): Promise<string[]> {
    const pkPrefix = statePartition(this.task.chain.keyed!.operatorUid, '');
    const skPrefix = `${name}#`;
    const stored = await this.reader.scan('state', { pkPrefix, skPrefix });
    const live = (item: Item) => item.sk.startsWith(skPrefix) && (!this.cache.isCached(item) || this.cache.peek(item) !== undefined);
    const range = await this.task.hashRange();
    const keys = new Set<string>();
    for (const item of [...stored, ...this.cache.present('state', pkPrefix)]) {
      const key = item.pk.slice(pkPrefix.length);
      if (key.startsWith('#') || !live(item)) continue; // a shard's own broadcast key, or cleared in this batch
      const hash = hashKeyOf(key);
      if (hash >= range.start && hash <= range.end) keys.add(key);
    }
    return [...keys].sort();
  }

  /** End of input: every timer fires, including those that firing registers. */
  private async drain(): Promise<void> {
    const gate = this.task.chain.keyed!.broadcast;
    if (gate && (await gate.mustHold())) {
      // The broadcast side never completed its bootstrap: nothing is processed against a half-loaded table, nothing is lost.
      const held = await gate.takeHeld();
      held.forEach((h, i) => this.deadLetter(this.seq, 2 * HELD_DEAD_LETTER_INDEX + i, JSON.stringify(h), new Error('held for the broadcast bootstrap, which did not complete before the end of input')));
    }
    for (let round = 0; round < 1000; round++) {
      const before = this.result.timersFired;
      await this.fire('E', MAX_WATERMARK);
      await this.fire('P', MAX_WATERMARK);
      if (this.result.timersFired === before) return;
    }
    throw new Error(`stage ${this.task.stage.id}: timers keep registering new timers at end of input`);
  }
}
