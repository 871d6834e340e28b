/** Lambda entry points of order-join: one per stage (two sources, the join), plus the sweep. */
import { createStageHandler, createSweepHandler } from '../../lib/runtime/handler.ts';
import job from './job.ts';

export const sourceOrders = createStageHandler(job, 'source-orders');
export const sourceOrderDetails = createStageHandler(job, 'source-order-details');
export const orderLines = createStageHandler(job, 'order-lines');
export const sweep = createSweepHandler(job);
