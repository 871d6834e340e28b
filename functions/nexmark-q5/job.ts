/**
 * Nexmark q5, hot items (/work/shared/NEXMARK.md §4): per hopping window (10 s, every 2 s), every
 * auction with the most bids in it (all ties), as `{ auction, num, starttime, endtime }`.
 * - `auction-counts`: bids by auction in sliding windows; each window's count per auction.
 * - `hot-auctions`: the counts by window start; when the watermark passes the window's end,
 *   the largest count and every auction that has it.
 */
import {
  Job, KeyedProcessFunction, KinesisSink, ListStateDescriptor, ProcessWindowFunction, SlidingEventTimeWindows, Time,
  type AggregateFunction, type Collector, type KeyedContext, type ListState, type OnTimerContext, type RuntimeContext, type WindowContext,
} from 'eddy';
import { bids, type Bid } from '../nexmark.ts';

interface AuctionCount { auction: number; num: number; starttime: number; endtime: number }

const count: AggregateFunction<Bid, number, number> = { createAccumulator: () => 0, add: (_b, n) => n + 1, getResult: (n) => n, merge: (a, b) => a + b };

class WithWindow extends ProcessWindowFunction<number, AuctionCount, number> {
  process(auction: number, ctx: WindowContext, counts: number[], out: Collector<AuctionCount>) {
    out.collect({ auction, num: counts[0], starttime: ctx.window.start, endtime: ctx.window.end });
  }
}

/** Keeps a window's counts until the watermark passes its end, then emits the largest ones. */
class HotAuctions extends KeyedProcessFunction<number, AuctionCount, AuctionCount> {
  private counts!: ListState<AuctionCount>;

  override open(ctx: RuntimeContext) {
    this.counts = ctx.getListState(new ListStateDescriptor<AuctionCount>('counts'));
  }

  async processElement(c: AuctionCount, ctx: KeyedContext<number>) {
    await this.counts.add(c);
    ctx.timerService().registerEventTimeTimer(c.endtime - 1); // once per window: one timer per key and time
  }

  override async onTimer(_timestamp: number, _ctx: OnTimerContext<number>, out: Collector<AuctionCount>) {
    const counts = await this.counts.get();
    const maxn = Math.max(...counts.map((c) => c.num));
    for (const c of counts) if (c.num === maxn) out.collect(c);
    await this.counts.clear();
  }
}

const job = new Job('nexmark-q5');
job
  .fromSource(...bids())
  .keyBy((b) => b.auction)
  .window(SlidingEventTimeWindows.of(Time.seconds(10), Time.seconds(2)))
  .aggregate(count, new WithWindow(), { uid: 'auction-counts' })
  .keyBy((c) => c.starttime)
  .process(new HotAuctions(), { uid: 'hot-auctions' })
  .sinkTo(KinesisSink.json('out', { partitionKey: (r) => String(r.auction) }));

export default job;
