/**
 * Nexmark q7, highest bid (/work/shared/NEXMARK.md §4): per tumbling 10 s window of bids, every
 * bid whose price is the window's largest (all ties), as `{ auction, price, bidder, ts, windowEnd }`.
 * All bids of a window are compared with each other, so the window stage has one key.
 */
import { Job, KinesisSink, ProcessWindowFunction, Time, TumblingEventTimeWindows, type Collector, type WindowContext } from 'eddy';
import { bids, type Bid } from '../nexmark.ts';

interface Highest { auction: number; price: number; bidder: number; ts: number; windowEnd: number }

class HighestBids extends ProcessWindowFunction<Bid, Highest, number> {
  process(_key: number, ctx: WindowContext, windowBids: Bid[], out: Collector<Highest>) {
    const max = windowBids.reduce((m, b) => Math.max(m, b.price), -Infinity);
    for (const b of windowBids) if (b.price === max) out.collect({ auction: b.auction, price: b.price, bidder: b.bidder, ts: b.ts, windowEnd: ctx.window.end });
  }
}

const job = new Job('nexmark-q7');
job
  .fromSource(...bids())
  .keyBy(() => 0)
  .window(TumblingEventTimeWindows.of(Time.seconds(10)))
  .process(new HighestBids(), { uid: 'highest-bids' })
  .sinkTo(KinesisSink.json('out', { partitionKey: (r) => String(r.auction) }));

export default job;
