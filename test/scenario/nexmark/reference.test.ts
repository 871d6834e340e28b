/** The Nexmark reference (reference.ts) on small inputs whose results are worked out here by hand from NEXMARK.md. */
import { describe, expect, it } from 'vitest';
import { canonicalRows, q1, q2, q3, q4, q5, q7, q8, validRows, type Auction, type Bid, type Person } from './reference.ts';

const T = 1_795_132_800_000;
const bid = (auction: number, price: number, ts: number, bidder = 7): Bid => ({ auction, bidder, price, channel: 'Google', url: 'u', ts });
const person = (id: number, state: string, ts: number, name = `p${id}`): Person => ({ id, name, emailAddress: 'a@b.com', creditCard: '1 2 3 4', city: 'Boise', state, ts });
const auction = (id: number, seller: number, category: number, ts: number, expires: number): Auction => ({ id, itemName: 'i', description: 'd', initialBid: 1, reserve: 2, ts, expires, seller, category });

describe('Nexmark reference', () => {
  it('keeps only lines with every field of the right JSON type', () => {
    const lines = ['{"auction":1,"bidder":2,"price":3,"channel":"c","url":"u","ts":4,"extra":1}', '{"auction":1.5,"bidder":2,"price":3,"channel":"c","url":"u","ts":4}', '{"auction":"7","bidder":2,"price":3,"channel":"c","url":"u","ts":4}', '{"auction":1,"bidder":2,"price":true,"channel":"c","url":"u","ts":4}', 'not json', '[1]', ''];
    expect(validRows<Bid>('bids', lines)).toEqual([{ auction: 1, bidder: 2, price: 3, channel: 'c', url: 'u', ts: 4 }]);
  });

  it('q1 converts every price, q2 keeps auctions divisible by 123 (duplicates too)', () => {
    expect(q1([bid(1, 1000, T)])).toEqual([{ auction: 1, bidder: 7, price: 908, ts: T }]);
    expect(q2([bid(246, 5, T), bid(247, 6, T), bid(246, 5, T)])).toEqual([{ auction: 246, price: 5 }, { auction: 246, price: 5 }]);
  });

  it('q3 joins category-10 auctions with sellers in OR, ID, CA, in any order', () => {
    const rows = q3([person(1, 'OR', T), person(2, 'WA', T), person(3, 'CA', T)], [auction(10, 1, 10, T, T + 1), auction(11, 2, 10, T, T + 1), auction(12, 3, 11, T, T + 1), auction(13, 1, 10, T, T + 1)]);
    expect(canonicalRows(rows)).toEqual(canonicalRows([{ name: 'p1', city: 'Boise', state: 'OR', id: 10 }, { name: 'p1', city: 'Boise', state: 'OR', id: 13 }]));
  });

  it('q4 averages the winning bids (between open and expiry, inclusive) per category', () => {
    const auctions = [auction(1, 9, 10, T, T + 100), auction(2, 9, 10, T, T + 100), auction(3, 9, 11, T, T + 100), auction(4, 9, 12, T, T + 100)];
    const bids = [bid(1, 5, T), bid(1, 8, T + 100), bid(1, 99, T + 101), bid(2, 3, T + 50), bid(3, 4, T - 1), bid(3, 6, T + 1)];
    expect(canonicalRows(q4(auctions, bids), ['avgPrice'])).toEqual(canonicalRows([{ category: 10, avgPrice: 5.5, numAuctions: 2 }, { category: 11, avgPrice: 6, numAuctions: 1 }], ['avgPrice']));
  });

  it('q5 emits per hopping window every auction with the most bids (ties too)', () => {
    const rows = q5([bid(1, 1, T + 1000), bid(2, 1, T + 3000), bid(2, 1, T + 3500)]);
    // Windows [T-8000, T+2000) … [T, T+10000) hold bid 1; those from T-6000 on hold bid 2's two bids too.
    const expected = [
      { auction: 1, num: 1, starttime: T - 8000, endtime: T + 2000 },
      ...[T - 6000, T - 4000, T - 2000, T].map((s) => ({ auction: 2, num: 2, starttime: s, endtime: s + 10000 })),
      { auction: 2, num: 2, starttime: T + 2000, endtime: T + 12000 },
    ];
    expect(canonicalRows(rows)).toEqual(canonicalRows(expected));
    expect(() => q5([bid(1, 1, T + 10_000), bid(1, 1, T + 5000)])).toThrow(/disorder reaches 5000 ms/);
  });

  it('q7 gives every bid at its tumbling window maximum; q8 persons with an auction in their own window', () => {
    expect(canonicalRows(q7([bid(1, 5, T), bid(2, 9, T + 1), bid(3, 9, T + 9999), bid(4, 1, T + 10_000)]))).toEqual(
      canonicalRows([
        { auction: 2, price: 9, bidder: 7, ts: T + 1, windowEnd: T + 10_000 },
        { auction: 3, price: 9, bidder: 7, ts: T + 9999, windowEnd: T + 10_000 },
        { auction: 4, price: 1, bidder: 7, ts: T + 10_000, windowEnd: T + 20_000 },
      ]),
    );
    const rows = q8([person(2, 'OR', T + 5), person(2, 'OR', T + 6), person(1, 'OR', T + 9999)], [auction(8, 2, 10, T + 1, 0), auction(7, 2, 11, T + 2, 0), auction(9, 1, 10, T + 10_000, T + 20_000)]);
    expect(rows).toEqual([{ id: 2, name: 'p2', starttime: T }]);
  });
});
