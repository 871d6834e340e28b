/**
 * Nexmark q4, average closing price per category (/work/shared/NEXMARK.md §4), an updating
 * aggregate: `out` receives a changelog, and the result is the last row per `category`.
 * - `winning-bids`: auctions and bids by auction id; the auction's largest bid between its open
 *   and its expiry (both inclusive). Bids that come before their auction wait in state for it.
 *   Each new maximum is sent on as `{ auction, category, final }`.
 * - `category-averages`: by category, each auction's latest maximum; every change emits the
 *   category's `{ category, avgPrice, numAuctions }`.
 */
import {
  Job, KeyedCoProcessFunction, KeyedProcessFunction, KinesisSink, ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor,
  type Collector, type KeyedContext, type ListState, type MapState, type RuntimeContext, type ValueState,
} from 'eddy';
import { auctions, bids, type Auction, type Bid } from '../nexmark.ts';

interface Winning { auction: number; category: number; final: number }
interface CategoryAverage { category: number; avgPrice: number; numAuctions: number }

class WinningBids extends KeyedCoProcessFunction<number, Auction, Bid, Winning> {
  private auction!: ValueState<Pick<Auction, 'category' | 'ts' | 'expires'>>;
  private best!: ValueState<number>;
  private early!: ListState<Pick<Bid, 'price' | 'ts'>>;

  override open(ctx: RuntimeContext) {
    this.auction = ctx.getState(new ValueStateDescriptor<Pick<Auction, 'category' | 'ts' | 'expires'>>('auction'));
    this.best = ctx.getState(new ValueStateDescriptor<number>('best'));
    this.early = ctx.getListState(new ListStateDescriptor<Pick<Bid, 'price' | 'ts'>>('early-bids'));
  }

  async processElement1(a: Auction, ctx: KeyedContext<number>, out: Collector<Winning>) {
    if (await this.auction.value()) return; // the auction again: it opened once
    const held = { category: a.category, ts: a.ts, expires: a.expires };
    await this.auction.update(held);
    for (const b of await this.early.get()) await this.consider(ctx.getCurrentKey(), held, b, out);
    await this.early.clear();
  }

  async processElement2(b: Bid, ctx: KeyedContext<number>, out: Collector<Winning>) {
    const held = await this.auction.value();
    if (!held) return this.early.add({ price: b.price, ts: b.ts });
    await this.consider(ctx.getCurrentKey(), held, b, out);
  }

  private async consider(auction: number, a: Pick<Auction, 'category' | 'ts' | 'expires'>, b: Pick<Bid, 'price' | 'ts'>, out: Collector<Winning>) {
    if (b.ts < a.ts || b.ts > a.expires) return;
    const best = await this.best.value();
    if (best !== undefined && best >= b.price) return;
    await this.best.update(b.price);
    out.collect({ auction, category: a.category, final: b.price });
  }
}

class CategoryAverages extends KeyedProcessFunction<number, Winning, CategoryAverage> {
  private finals!: MapState<number, number>;
  private totals!: ValueState<{ sum: number; n: number }>;

  override open(ctx: RuntimeContext) {
    this.finals = ctx.getMapState(new MapStateDescriptor<number, number>('finals'));
    this.totals = ctx.getState(new ValueStateDescriptor<{ sum: number; n: number }>('totals'));
  }

  async processElement(w: Winning, ctx: KeyedContext<number>, out: Collector<CategoryAverage>) {
    const before = await this.finals.get(w.auction);
    const totals = (await this.totals.value()) ?? { sum: 0, n: 0 };
    const next = { sum: totals.sum - (before ?? 0) + w.final, n: totals.n + (before === undefined ? 1 : 0) };
    await this.finals.put(w.auction, w.final);
    await this.totals.update(next);
    out.collect({ category: ctx.getCurrentKey(), avgPrice: next.sum / next.n, numAuctions: next.n });
  }
}

const job = new Job('nexmark-q4');
job
  .fromSource(...auctions())
  .connect(job.fromSource(...bids()))
  .keyBy((a) => a.id, (b) => b.auction)
  .process(new WinningBids(), { uid: 'winning-bids' })
  .keyBy((w) => w.category)
  .process(new CategoryAverages(), { uid: 'category-averages' })
  .sinkTo(KinesisSink.json('out', { partitionKey: (r) => String(r.category) }));

export default job;
