/**
 * Nexmark q2, selection (/work/shared/NEXMARK.md §4): the bids of every auction whose id is a
 * multiple of 123, as `{ auction, price }`, one row per bid. One stateless stage.
 */
import { Job, KinesisSink } from 'eddy';
import { bids } from '../nexmark.ts';

const job = new Job('nexmark-q2');
job
  .fromSource(...bids())
  .filter((b) => b.auction % 123 === 0)
  .map((b) => ({ auction: b.auction, price: b.price }))
  .sinkTo(KinesisSink.json('out', { partitionKey: (r) => String(r.auction) }));

export default job;
