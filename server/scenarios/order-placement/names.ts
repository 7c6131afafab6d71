/** From seed 000's "User places order": checkout cannot go on without the payment's answer. */
export const PAYMENT_SUBJECT = "payment.charge";
export const PAYMENT_QUEUE_GROUP = "payment-service";
export const PAYMENT_CHANNEL_ID = `nats:${PAYMENT_SUBJECT}`;

/**
 * The background jobs of a paid order, which must not be lost. The queues carry a prefix: the
 * job-queue scenario already owns a queue named `emails` with other arguments, and two
 * scenarios sharing a queue would take each other's messages. The picture shows the seed's names.
 */
export const JOBS = ["inventory", "emails", "shipping"] as const;
export type Job = (typeof JOBS)[number];
export const jobQueue = (job: Job) => `checkout.${job}`;
export const jobChannelId = (job: Job) => `rabbitmq:${jobQueue(job)}`;
export const JOB_QUEUES = JOBS.map(jobQueue);

/** Every interested service hears that an order was placed, if it is listening right now. */
export const ORDER_CHANNEL = "orders";
export const ORDER_CHANNEL_ID = `redis:${ORDER_CHANNEL}`;

export const DROP_DECLINED = "declined by payment";
export const DROP_NO_PAYMENT = "no payment responder (503)";
export const DROP_TIMED_OUT = "payment timed out after retries";
/** A checkout that has to go (its RabbitMQ connection died) cannot finish what it started. */
export const DROP_CHECKOUT_LEFT = "checkout went away mid-order: its remaining steps never ran";
export const DROP_NO_SUBSCRIBERS = "no subscriber listening (PUBLISH answered 0)";
