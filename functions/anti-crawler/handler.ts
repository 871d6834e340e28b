/** Lambda entry points of anti-crawler: one per stage, plus the sweep. */
import { createStageHandler, createSweepHandler } from '../../lib/runtime/handler.ts';
import job from './job.ts';

export const sourceRequests = createStageHandler(job, 'source-requests');
export const last30 = createStageHandler(job, 'last-30');
export const sweep = createSweepHandler(job);
