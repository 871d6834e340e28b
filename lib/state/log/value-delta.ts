/**
 * A state value as the edits that turn the value before it into it. An aggregate or a list is
 * one item that a batch rewrites whole, though only a few characters changed (a user added to a
 * distinct-count accumulator, a timestamp shifted through a count window): the log would pay for
 * the whole value every batch. The container holds the value before, and every reader of the
 * log applies entries in order on the same values, so the entry may carry the difference
 * (`fast-diff`, the character diff Quill uses) instead.
 */
import diff from 'fast-diff';

/** Keep `n` characters (n > 0), drop `-n` (n < 0), or insert a string. */
export type Edits = (number | string)[];

/** Values shorter than this are logged whole: an edit script would not be much shorter. */
const MIN_DELTA_CHARS = 48;
/** Above this, a diff's worst case (quadratic in the edits) is not worth the bytes it saves. */
const MAX_DELTA_CHARS = 200_000;

/**
 * The edits from `base` to `next`, or undefined when logging `next` whole is about as short.
 *
 * @example
 * ```ts
 * deltaOf('{"users":{"u1":1,"u2":1},"events":2}', '{"users":{"u1":1,"u2":1,"u3":1},"events":3}');
 * // [23, ',"u3":1', 11, -1, '3', 1] (on values long enough to be worth it)
 * ```
 */
export function deltaOf(base: string, next: string): Edits | undefined {
  if (next.length < MIN_DELTA_CHARS || base.length + next.length > MAX_DELTA_CHARS) return undefined;
  const edits: Edits = [];
  for (const [op, text] of diff(base, next)) {
    if (op === diff.EQUAL) edits.push(text.length);
    else if (op === diff.DELETE) edits.push(-text.length);
    else edits.push(text);
  }
  return JSON.stringify(edits).length < next.length * 0.75 ? edits : undefined;
}

/** The value the edits make of `base`. @example `applyDelta('[1,2,3,4]', [1, -2, 5, ',5', 1]) // '[2,3,4,5]'` */
export function applyDelta(base: string, edits: Edits): string {
  let at = 0;
  let out = '';
  for (const edit of edits) {
    if (typeof edit === 'string') out += edit;
    else if (edit > 0) {
      out += base.slice(at, at + edit);
      at += edit;
    } else at -= edit;
  }
  if (at !== base.length) throw new Error(`a state value's edits do not fit the value they were made on (${at} of ${base.length} characters)`);
  return out;
}
