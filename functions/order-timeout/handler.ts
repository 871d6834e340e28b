/** Lambda entry points of order-timeout: one per stage, plus the sweep. */
import { createStageHandler, createSweepHandler } from '../../lib/runtime/handler.ts';
import job from './job.ts';

export const sourceOrders = createStageHandler(job, 'source-orders');
export const orderTimeout = createStageHandler(job, 'order-timeout');
export const sweep = createSweepHandler(job);
