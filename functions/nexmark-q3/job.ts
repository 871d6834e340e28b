/**
 * Nexmark q3, local item suggestion (/work/shared/NEXMARK.md §4): every category-10 auction
 * joined with its seller when the seller lives in OR, ID or CA, as `{ name, city, state, id }` —
 * a regular join, in either arrival order, whose state is never expired: both sides are kept
 * per person id (only the rows that can match), and each arrival is joined with the other side.
 */
import { Job, KeyedCoProcessFunction, KinesisSink, ListStateDescriptor, type Collector, type KeyedContext, type ListState, type RuntimeContext } from 'eddy';
import { auctions, persons, type Auction, type Person } from '../nexmark.ts';

interface Suggestion { name: string; city: string; state: string; id: number }
const STATES = ['OR', 'ID', 'CA'];

class LocalItems extends KeyedCoProcessFunction<number, Person, Auction, Suggestion> {
  private sellers!: ListState<Pick<Person, 'name' | 'city' | 'state'>>;
  private items!: ListState<number>;

  override open(ctx: RuntimeContext) {
    this.sellers = ctx.getListState(new ListStateDescriptor<Pick<Person, 'name' | 'city' | 'state'>>('sellers'));
    this.items = ctx.getListState(new ListStateDescriptor<number>('items'));
  }

  async processElement1(p: Person, _ctx: KeyedContext<number>, out: Collector<Suggestion>) {
    if (!STATES.includes(p.state)) return;
    const seller = { name: p.name, city: p.city, state: p.state };
    await this.sellers.add(seller);
    for (const id of await this.items.get()) out.collect({ ...seller, id });
  }

  async processElement2(a: Auction, _ctx: KeyedContext<number>, out: Collector<Suggestion>) {
    if (a.category !== 10) return;
    await this.items.add(a.id);
    for (const seller of await this.sellers.get()) out.collect({ ...seller, id: a.id });
  }
}

const job = new Job('nexmark-q3');
job
  .fromSource(...persons())
  .connect(job.fromSource(...auctions()))
  .keyBy((p) => p.id, (a) => a.seller)
  .process(new LocalItems(), { uid: 'local-items' })
  .sinkTo(KinesisSink.json('out', { partitionKey: (r) => String(r.id) }));

export default job;
