/** The `purchases` source shared by hourly-uv, uv-sliding and hot-items (SCENARIOS.md). */
import { z } from 'zod';
import { KinesisSource, Time, WatermarkStrategy } from 'eddy';

export const Purchase = z.object({
  userId: z.string().min(1),
  spuId: z.string().min(1),
  amount: z.number().finite(),
  ts: z.number().int().nonnegative(),
});
export type Purchase = z.infer<typeof Purchase>;

/** The source, partitioned by user, and its watermarks: 5 s of out-of-orderness, idle after 10 s. */
export const purchasesSource = () => KinesisSource.json('purchases', { schema: Purchase, partitionKey: (p) => p.userId });
export const purchaseWatermarks = () => WatermarkStrategy.forBoundedOutOfOrderness<Purchase>(Time.seconds(5)).withTimestampAssigner((p) => p.ts).withIdleness(Time.seconds(10));

/**
 * A bucket of a user id (0..buckets-1): the first phase of a two-phase count keys by it, so
 * the distinct users of one hour are counted in parallel, each bucket owning disjoint users.
 */
export function userBucket(userId: string, buckets: number): number {
  let h = 2166136261;
  for (let i = 0; i < userId.length; i++) h = Math.imul(h ^ userId.charCodeAt(i), 16777619);
  return (h >>> 0) % buckets;
}

/** Counts the distinct users (a set as a JSON object) and the events of a window. */
export const distinctUsersAndEvents = {
  createAccumulator: () => ({ users: {} as Record<string, 1>, events: 0 }),
  add: (p: Purchase, acc: { users: Record<string, 1>; events: number }) => {
    acc.users[p.userId] = 1;
    acc.events += 1;
    return acc;
  },
  getResult: (acc: { users: Record<string, 1>; events: number }) => ({ uv: Object.keys(acc.users).length, events: acc.events }),
  merge: (a: { users: Record<string, 1>; events: number }, b: { users: Record<string, 1>; events: number }) => ({ users: { ...a.users, ...b.users }, events: a.events + b.events }),
};
