import { MAX_WATERMARK } from '../api/time.ts';
import { NO_TIMESTAMP } from '../api/watermark.ts';
import { isAggregated, userRecords } from '../connectors/kpl-records.ts';
import { DecodeError } from '../connectors/source-spec.ts';
import type { InputRecord } from './batch.ts';
import { BatchRun } from './batch-run.ts';
import type { Checkpoint } from './checkpoint.ts';
import { isControlRecord, isSourceEnd } from './envelope.ts';

/** A source stage: decode raw records (the user records of a KPL aggregate each), assign event time, run the stateless chain. */
export class SourceBatch extends BatchRun {
  async process(records: InputRecord[]): Promise<Checkpoint> {
    const node = this.task.job.graph.node(this.task.stage.entryNode);
    if (node.kind !== 'source') throw new Error('not a source stage');
    const push = this.task.chain.source!;
    const assign = node.watermarks.timestampAssigner!;
    const outputs = this.task.outputs;
    // Simulated time (replay, tests, eddy cost): records come from files, whose arrival time says nothing.
    const arrivalTimes = this.task.services.processingTime === 'system';
    let justEnded = false;
    for (const record of records) {
      if (this.outOfTime()) break;
      outputs.at(record.seq);
      if (isSourceEnd(record.data)) {
        justEnded ||= !this.cp.ended;
        this.cp.ended = true;
        this.processed = record.seq;
        continue;
      }
      // A KPL aggregate holds many user records: each is a record of its own, by its index in the aggregate.
      let parts: Uint8Array[];
      try {
        if (isControlRecord(record.data)) throw new DecodeError('unknown eddy control record');
        parts = isAggregated(record.data) ? userRecords(record.data) : [record.data];
      } catch (error) {
        this.deadLetter(record.seq, 0, record.data, error);
        this.processed = record.seq;
        continue;
      }
      for (const [index, data] of parts.entries()) {
        const mark = outputs.mark();
        try {
          const value = node.source.decode(data);
          const ts = assign(value, arrivalTimes && record.arrival !== undefined ? record.arrival : NO_TIMESTAMP);
          if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < 0 || ts > MAX_WATERMARK) {
            throw new DecodeError(`event time must be a non-negative number of epoch ms, got ${JSON.stringify(ts) ?? 'undefined'}`);
          }
          this.result.dataIn++;
          this.cp.maxTimestamp = Math.max(this.cp.maxTimestamp, ts);
          this.cp.clock = Math.max(this.cp.clock, ts);
          this.cp.lastDataAt = this.task.services.processingTime === 'event' ? this.cp.clock : this.task.services.wallClock();
          for (let n = 0; ; n++) {
            try {
              push(value, ts);
              break;
            } catch (error) {
              if (!this.mayRetry(n, error)) throw error;
              outputs.rollback(mark); // undone, then tried again (no closures per record)
            }
          }
        } catch (error) {
          outputs.rollback(mark);
          this.deadLetter(record.seq, index, data, error);
        }
      }
      this.processed = record.seq;
    }
    const watermark = this.cp.ended ? MAX_WATERMARK : node.watermarks.watermarkAfter(this.cp.maxTimestamp);
    await this.emit(watermark, justEnded);
    return this.finish();
  }
}
