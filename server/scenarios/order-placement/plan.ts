import { z } from "zod";
import type { StoryPlan } from "../shared/story";
import { DROP_CHECKOUT_LEFT, DROP_DECLINED, DROP_NO_PAYMENT, DROP_NO_SUBSCRIBERS, DROP_TIMED_OUT, jobChannelId, jobQueue, JOB_QUEUES, JOBS, ORDER_CHANNEL, ORDER_CHANNEL_ID, PAYMENT_CHANNEL_ID, PAYMENT_QUEUE_GROUP, PAYMENT_SUBJECT } from "./names";

const CUSTOMERS = ["ada@example.com", "grace@example.com", "linus@example.com", "margaret@example.com"];

/**
 * Seed 000's "User places order": checkout cannot go on without the payment's answer; a paid
 * order gets three durable jobs that must not be lost; then every listening service hears of it.
 */
export const ORDER_PLAN: StoryPlan = {
  steps: [
    {
      step: "request",
      subject: PAYMENT_SUBJECT,
      queueGroup: PAYMENT_QUEUE_GROUP,
      channelId: PAYMENT_CHANNEL_ID,
      noResponders: DROP_NO_PAYMENT,
      timedOut: DROP_TIMED_OUT,
      refusal: (reply) => ((reply as { approved?: unknown } | null)?.approved === true ? null : DROP_DECLINED),
    },
    { step: "jobs", jobs: JOBS.map((job) => ({ queue: jobQueue(job), channelId: jobChannelId(job), name: job, payload: (order) => ({ job, orderId: order.id, order: order.data }) })) },
    { step: "broadcast", channel: ORDER_CHANNEL, channelId: ORDER_CHANNEL_ID, event: "order_placed", idField: "orderId", noSubscribers: DROP_NO_SUBSCRIBERS },
  ],
  queues: JOB_QUEUES,
  sample: (orderId, n) => ({ orderId, amount: 19 + ((n * 7) % 80), email: CUSTOMERS[n % CUSTOMERS.length], items: [{ sku: `sku-${100 + (n % 7)}`, quantity: 1 + (n % 3) }] }),
  // The order travels as it is in its jobs; only its shape is checked.
  payload: z.object({
    amount: z.number().positive().max(1_000_000_000).optional(),
    email: z.string().min(1).max(200).optional(),
    items: z.array(z.object({ sku: z.string().min(1).max(64), quantity: z.number().int().positive().max(10_000) })).max(100).optional(),
  }),
  frontLeft: DROP_CHECKOUT_LEFT,
};
