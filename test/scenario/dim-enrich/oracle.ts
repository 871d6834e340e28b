/**
 * What `dim-enrich` may output, computed from the inputs alone. Events and table changes come
 * on two streams, so which version of a product an event meets depends on arrival order. What
 * the contract fixes: every event is output exactly once; no event meets the table before its
 * bootstrap completed; so an event sees the table as of the bootstrap or any later version.
 */
import type { EventLine, MaxwellLine } from './generator.ts';

type Version = { name: unknown; category: unknown } | undefined;

/** Versions of each product from the bootstrap's completion on (undefined = absent). */
export function productVersions(changes: MaxwellLine[]): Map<string, Version[]> {
  const table = new Map<string, Version>();
  let history: Map<string, Version[]> | undefined;
  for (const c of changes) {
    if (c.table !== 'product') continue;
    if (c.type === 'bootstrap-complete' && !history) {
      history = new Map([...table].map(([id, v]) => [id, [v]]));
      continue;
    }
    const id = c.data?.productId === undefined ? undefined : String(c.data.productId);
    if (id === undefined) continue;
    const next: Version = c.type === 'delete' ? undefined : { name: c.data!.name, category: c.data!.category };
    table.set(id, next);
    if (history) {
      if (!history.has(id)) history.set(id, [undefined]); // absent when the bootstrap completed
      history.get(id)!.push(next);
    }
  }
  if (!history) throw new Error('the change stream never completes its bootstrap');
  return history;
}

export interface EnrichedLine { eventId: string; productId: string; name: unknown; category: unknown }
export interface UnmatchedLine { eventId: string; productId: string }

/** Everything wrong with an output of dim-enrich (empty when it meets the contract). */
export function checkDimEnrich(changes: MaxwellLine[], events: EventLine[], enriched: EnrichedLine[], unmatched: UnmatchedLine[]): string[] {
  const problems: string[] = [];
  const versions = productVersions(changes);
  const byId = new Map(events.map((e) => [e.eventId, e]));
  const seen = new Set<string>();
  const once = (eventId: string) => {
    if (seen.has(eventId)) problems.push(`${eventId} is output more than once`);
    seen.add(eventId);
    const e = byId.get(eventId);
    if (!e) problems.push(`${eventId} is not an input event`);
    return e;
  };
  for (const r of enriched) {
    const e = once(r.eventId);
    if (!e) continue;
    const allowed = (versions.get(e.productId) ?? [undefined]).filter((v) => v !== undefined);
    if (r.productId !== e.productId || !allowed.some((v) => v!.name === r.name && v!.category === r.category)) {
      problems.push(`${r.eventId} enriched with ${JSON.stringify(r)}; allowed: ${JSON.stringify(allowed)}`);
    }
  }
  for (const r of unmatched) {
    const e = once(r.eventId);
    if (!e) continue;
    if (r.productId !== e.productId || !(versions.get(e.productId) ?? [undefined]).includes(undefined)) problems.push(`${r.eventId} unmatched, but ${e.productId} was in the table throughout`);
  }
  for (const e of events) if (!seen.has(e.eventId)) problems.push(`${e.eventId} is lost`);
  return problems;
}

/** The events whose outcome is fixed whatever the arrival order (their product never changed after the bootstrap). */
export function determinedEvents(changes: MaxwellLine[], events: EventLine[]): number {
  const versions = productVersions(changes);
  return events.filter((e) => (versions.get(e.productId) ?? [undefined]).length === 1).length;
}
