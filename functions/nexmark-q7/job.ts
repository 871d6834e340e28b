/**
 * Nexmark q7, highest bid (/work/shared/NEXMARK.md §4): per tumbling 10 s window of bids, every
 * bid whose price is the window's largest (all ties), as `{ auction, price, bidder, ts, windowEnd }`.
 * All bids of a window are compared with each other, so the window stage has one key.
 *
 * Incremental, as Flink recommends for a window over many elements: the accumulator keeps only
 * the bids at the highest price so far (usually one), not every bid of the window. A
 * ProcessWindowFunction given all the window's bids would keep them in the key's state, which
 * at 1,000 events/s is ~9,200 bids (1.4 MB) per window: beyond what one state item holds
 * (380 KB), so its records would be dead-lettered (docs/concepts.md, "Window state").
 */
import { Job, KinesisSink, ProcessWindowFunction, Time, TumblingEventTimeWindows, type AggregateFunction, type Collector, type WindowContext } from 'eddy';
import { bids, type Bid } from '../nexmark.ts';

interface Highest { auction: number; price: number; bidder: number; ts: number; windowEnd: number }

/** The bids at the highest price seen so far (all ties), in arrival order. */
const highestBids: AggregateFunction<Bid, Bid[], Bid[]> = {
  createAccumulator: () => [],
  add: (b, top) => (top.length === 0 || b.price > top[0].price ? [b] : b.price === top[0].price ? [...top, b] : top),
  getResult: (top) => top,
  merge: (a, b) => (a.length === 0 || (b.length > 0 && b[0].price > a[0].price) ? b : b.length === 0 || a[0].price > b[0].price ? a : [...a, ...b]),
};

class WithWindowEnd extends ProcessWindowFunction<Bid[], Highest, number> {
  process(_key: number, ctx: WindowContext, [top]: Bid[][], out: Collector<Highest>) {
    for (const b of top) out.collect({ auction: b.auction, price: b.price, bidder: b.bidder, ts: b.ts, windowEnd: ctx.window.end });
  }
}

const job = new Job('nexmark-q7');
job
  .fromSource(...bids())
  .keyBy(() => 0)
  .window(TumblingEventTimeWindows.of(Time.seconds(10)))
  .aggregate(highestBids, new WithWindowEnd(), { uid: 'highest-bids' })
  .sinkTo(KinesisSink.json('out', { partitionKey: (r) => String(r.auction) }));

export default job;
