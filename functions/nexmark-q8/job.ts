/**
 * Nexmark q8, monitor new users (/work/shared/NEXMARK.md §4): a person who opened at least one
 * auction in the tumbling 10 s window of their own record, as `{ id, name, starttime }`, once
 * per distinct (id, name, window) — a window coGroup of persons and auctions by person id.
 */
import { Job, KinesisSink, Time, TumblingEventTimeWindows } from 'eddy';
import { auctions, persons } from '../nexmark.ts';

const WINDOW = Time.seconds(10);

const job = new Job('nexmark-q8');
job
  .fromSource(...persons())
  .coGroup(job.fromSource(...auctions()))
  .where((p) => p.id)
  .equalTo((a) => a.seller)
  .window(TumblingEventTimeWindows.of(WINDOW))
  .apply<{ id: number; name: string; starttime: number }>(
    (people, opened, out) => {
      if (opened.length === 0) return;
      const names = new Set<string>();
      for (const p of people) {
        if (names.has(p.name)) continue;
        names.add(p.name);
        out.collect({ id: p.id, name: p.name, starttime: p.ts - (((p.ts % WINDOW) + WINDOW) % WINDOW) });
      }
    },
    { uid: 'new-sellers' },
  )
  .sinkTo(KinesisSink.json('out', { partitionKey: (r) => String(r.id) }));

export default job;
