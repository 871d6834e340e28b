/**
 * The three Nexmark sources (/work/shared/NEXMARK.md §1), shared by the nexmark-q* jobs: JSON
 * Lines records with exactly typed fields (an int field must be a JSON integer: `1.5`, `"7"`
 * and `true` make the line invalid, and it is dead-lettered), extra fields ignored; event time
 * `ts` with 5 s of out-of-orderness (§2).
 */
import { z } from 'zod';
import { KinesisSource, Time, WatermarkStrategy } from 'eddy';

const int = () => z.number().int();

export const Person = z.object({ id: int(), name: z.string(), emailAddress: z.string(), creditCard: z.string(), city: z.string(), state: z.string(), ts: int() });
export type Person = z.infer<typeof Person>;
export const Auction = z.object({
  id: int(), itemName: z.string(), description: z.string(), initialBid: int(), reserve: int(), ts: int(), expires: int(), seller: int(), category: int(),
});
export type Auction = z.infer<typeof Auction>;
export const Bid = z.object({ auction: int(), bidder: int(), price: int(), channel: z.string(), url: z.string(), ts: int() });
export type Bid = z.infer<typeof Bid>;

/** §2: each stream's watermark trails its largest `ts` by 5 s. */
const watermarks = <T extends { ts: number }>() => WatermarkStrategy.forBoundedOutOfOrderness<T>(Time.seconds(5)).withTimestampAssigner((e) => e.ts);

/** The `bids` stream, partitioned by auction. */
export const bids = () => [KinesisSource.json('bids', { schema: Bid, partitionKey: (b) => String(b.auction) }), watermarks<Bid>()] as const;
/** The `auctions` stream, partitioned by seller. */
export const auctions = () => [KinesisSource.json('auctions', { schema: Auction, partitionKey: (a) => String(a.seller) }), watermarks<Auction>()] as const;
/** The `persons` stream, partitioned by id. */
export const persons = () => [KinesisSource.json('persons', { schema: Person, partitionKey: (p) => String(p.id) }), watermarks<Person>()] as const;
