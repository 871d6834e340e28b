/** Lambda entry points of hourly-uv: one per stage, plus the sweep. */
import { createStageHandler, createSweepHandler } from '../../lib/runtime/handler.ts';
import job from './job.ts';

export const sourcePurchases = createStageHandler(job, 'source-purchases');
export const bucketCounts = createStageHandler(job, 'bucket-counts');
export const hourTotals = createStageHandler(job, 'hour-totals');
export const sweep = createSweepHandler(job);
