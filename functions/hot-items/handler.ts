/** Lambda entry points of hot-items: one per stage, plus the sweep. */
import { createStageHandler, createSweepHandler } from '../../lib/runtime/handler.ts';
import job from './job.ts';

export const sourcePurchases = createStageHandler(job, 'source-purchases');
export const itemCounts = createStageHandler(job, 'item-counts');
export const topItems = createStageHandler(job, 'top-items');
export const sweep = createSweepHandler(job);
