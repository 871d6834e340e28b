/**
 * Nexmark q1, currency conversion (/work/shared/NEXMARK.md §4): every bid, its price × 0.908,
 * to the sink `out` as `{ auction, bidder, price, ts }`. One stateless stage.
 */
import { Job, KinesisSink } from 'eddy';
import { bids } from '../nexmark.ts';

const job = new Job('nexmark-q1');
job
  .fromSource(...bids())
  .map((b) => ({ auction: b.auction, bidder: b.bidder, price: b.price * 0.908, ts: b.ts }))
  .name('dollars to euros')
  .sinkTo(KinesisSink.json('out', { partitionKey: (r) => String(r.auction) }));

export default job;
