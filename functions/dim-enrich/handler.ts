/** Lambda entry points of dim-enrich: one per stage, plus the sweep. */
import { createStageHandler, createSweepHandler } from '../../lib/runtime/handler.ts';
import job from './job.ts';

export const sourceEvents = createStageHandler(job, 'source-events');
export const sourceProductCdc = createStageHandler(job, 'source-product-cdc');
export const enrich = createStageHandler(job, 'enrich');
export const sweep = createSweepHandler(job);
