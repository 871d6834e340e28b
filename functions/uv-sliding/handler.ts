/** Lambda entry points of uv-sliding: one per stage, plus the sweep. */
import { createStageHandler, createSweepHandler } from '../../lib/runtime/handler.ts';
import job from './job.ts';

export const sourcePurchases = createStageHandler(job, 'source-purchases');
export const bucketUv = createStageHandler(job, 'bucket-uv');
export const windowUv = createStageHandler(job, 'window-uv');
export const sweep = createSweepHandler(job);
