/** Lambda entry points of cdc-split: its one stage (no keyed stage, so no sweep work), plus the sweep. */
import { createStageHandler, createSweepHandler } from '../../lib/runtime/handler.ts';
import job from './job.ts';

export const sourceMaxwell = createStageHandler(job, 'source-maxwell');
export const sweep = createSweepHandler(job);
