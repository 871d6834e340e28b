/** What `eddy reset` changes in checkpoints besides the position, so that re-read records count as new. */
import { describe, expect, it } from 'vitest';
import { initialCheckpoint, type Checkpoint } from '../../../lib/runtime/checkpoint.ts';
import { encodeEnvelopes } from '../../../lib/runtime/envelope.ts';
import { firstOrigins, moveCheckpoint, releaseUpstream, rewindKeyedCheckpoint } from '../../../lib/runtime/reset.ts';

const A = 'source-a/shardId-000000000000';
const B = 'source-b/shardId-000000000000';

function checkpoint(over: Partial<Checkpoint>): Checkpoint {
  return { ...initialCheckpoint(), version: 7, seq: '900', ...over };
}

const data = (stage: string, seq: string, index: number, to = 'shardId-000000000001') => ({
  data: encodeEnvelopes({ from: { stage, shard: 'shardId-000000000000' }, to, envelopes: [{ kind: 'watermark', watermark: 1 }, { kind: 'data', key: '"k"', ts: 1, payload: {}, origin: { seq, index } }] }),
});

describe('reset of checkpoints', () => {
  it('finds the first origin of each upstream in re-read records, skipping what the shard would skip', () => {
    const records = [data('source-a', '50', 2), { data: Buffer.from('garbage') }, data('source-b', '70', 0, 'shardId-000000000000'), data('source-b', '80', 1), data('source-a', '60', 0)];
    expect(firstOrigins(records, 'shardId-000000000001')).toEqual({ [A]: { seq: '50', index: 2 }, [B]: { seq: '80', index: 1 } });
  });

  it('a keyed checkpoint moved back forgets only what it will read again', () => {
    const cp = checkpoint({
      origins: { [A]: { seq: '90', index: 3 }, [B]: { seq: '40', index: 0 } },
      inheritedOrigins: [{ start: '0', end: 'f', origins: { [A]: { seq: '95', index: 0 } } }],
    });
    const next = rewindKeyedCheckpoint(cp, '500', { [A]: { seq: '50', index: 2 } });
    expect(next.seq).toBe('500');
    expect(next.origins).toEqual({ [A]: { seq: '50', index: 1 }, [B]: { seq: '40', index: 0 } }); // B sent nothing after 500
    expect(next.inheritedOrigins).toEqual([{ start: '0', end: 'f', origins: { [A]: { seq: '50', index: 1 } } }]);
    expect(next.version).toBe(7); // the writer bumps it, fenced on the stored one
    expect(cp.origins[A]).toEqual({ seq: '90', index: 3 }); // the input is not changed
  });

  it('to the start of the stream, a keyed checkpoint forgets every position', () => {
    const next = rewindKeyedCheckpoint(checkpoint({ origins: { [A]: { seq: '90', index: 3 } }, inheritedOrigins: [{ start: '0', end: 'f', origins: {} }] }), undefined, {});
    expect(next.seq).toBeUndefined();
    expect(next.origins).toEqual({});
    expect(next.inheritedOrigins).toBeUndefined();
  });

  it('a source checkpoint only moves; watermarks and the rest stay', () => {
    const cp = checkpoint({ maxTimestamp: 1234, emittedWatermark: 1000, ended: true });
    expect(moveCheckpoint(cp, undefined)).toEqual({ ...cp, seq: undefined });
    expect(moveCheckpoint(cp, '100')).toEqual({ ...cp, seq: '100' });
  });

  it("a downstream's position for the reset shard is lowered to the new checkpoint, or removed", () => {
    const cp = checkpoint({ origins: { [A]: { seq: '90', index: 3 }, [B]: { seq: '90', index: 0 } }, inheritedOrigins: [{ start: '0', end: 'f', origins: { [A]: { seq: '95', index: 0 } } }] });
    const lowered = releaseUpstream(cp, A, '60')!;
    expect(lowered.origins).toEqual({ [A]: { seq: '60', index: Number.MAX_SAFE_INTEGER }, [B]: { seq: '90', index: 0 } });
    expect(lowered.inheritedOrigins![0].origins[A]).toEqual({ seq: '60', index: Number.MAX_SAFE_INTEGER });
    expect(releaseUpstream(cp, A, undefined)!.origins).toEqual({ [B]: { seq: '90', index: 0 } });
    const inheritedOnly = releaseUpstream(cp, A, '92')!; // only the inherited position was past 92
    expect(inheritedOnly.origins[A]).toEqual({ seq: '90', index: 3 });
    expect(inheritedOnly.inheritedOrigins![0].origins[A]).toEqual({ seq: '92', index: Number.MAX_SAFE_INTEGER });
    expect(releaseUpstream(checkpoint({ origins: { [A]: { seq: '10', index: 0 } } }), A, '60')).toBeUndefined(); // nothing to lower
  });
});
