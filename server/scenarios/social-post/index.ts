import { z } from "zod";
import { defineScenario } from "../model";
import { storyFront, storyJobWorker, storyPublishCheck, storyResponder, storySubscriber, type StoryPlan } from "../shared/story";

/** Seed 000, example 1: a user posts a message. */
const SPAM_SUBJECT = "spam.check";
const SPAM_CHANNEL_ID = `nats:${SPAM_SUBJECT}`;
/** The seed's `images` queue; the broker sees a prefix, so no other scenario's queue of that name is shared. */
const IMAGES_QUEUE = "social.images";
const IMAGES_CHANNEL_ID = `rabbitmq:${IMAGES_QUEUE}`;
const FEED_CHANNEL = "feed-updates";
const FEED_CHANNEL_ID = `redis:${FEED_CHANNEL}`;

const DROP_FLAGGED = "flagged as spam";

/** What the spam filter refuses however the dice fall: the audience can post it on purpose. */
const SPAMMY = /free money|buy now|click here/i;

const MESSAGES = ["Lunch at noon?", "Shipped the new release 🚀", "Buy now: free money, click here", "Look at this sunset", "Who is coming to the workshop?"];

const PLAN: StoryPlan = {
  steps: [
    { step: "request", subject: SPAM_SUBJECT, queueGroup: "spam-filter", channelId: SPAM_CHANNEL_ID, noResponders: "no spam filter listening (503)", timedOut: "spam check timed out after retries", refusal: (reply) => ((reply as { verdict?: unknown } | null)?.verdict === "ok" ? null : DROP_FLAGGED) },
    // Only a post with images needs them processed.
    { step: "jobs", jobs: [{ queue: IMAGES_QUEUE, channelId: IMAGES_CHANNEL_ID, name: "images", when: (post) => Array.isArray(post.data.images) && post.data.images.length > 0, payload: (post) => ({ postId: post.id, images: post.data.images }) }] },
    { step: "broadcast", channel: FEED_CHANNEL, channelId: FEED_CHANNEL_ID, event: "new_post", idField: "postId", payload: (post) => ({ userId: post.data.userId }), noSubscribers: "no feed listener connected (PUBLISH answered 0)" },
  ],
  queues: [IMAGES_QUEUE],
  sample: (_id, n) => ({ userId: `user-${1 + (n % 4)}`, message: MESSAGES[n % MESSAGES.length], images: n % 2 === 0 ? [`photo-${n}.jpg`] : [] }),
  payload: z.object({ userId: z.string().min(1).max(64), message: z.string().min(1).max(1_000), images: z.array(z.string().min(1).max(200)).max(10).optional() }),
  frontLeft: "post-service went away mid-post: its remaining steps never ran",
};

/** Flags a post whose words give it away, and a share of the rest, as a real filter would. */
const spamFilter = storyResponder<"checkDelayMs" | "flagRate">(
  { subject: SPAM_SUBJECT, queueGroup: "spam-filter", channelId: SPAM_CHANNEL_ID },
  (ctx, request) => {
    const message = (request as { message?: unknown } | null)?.message;
    const flagged = (typeof message === "string" && SPAMMY.test(message)) || Math.random() < ctx.settings.flagRate;
    return flagged ? { reply: { verdict: "spam" }, reason: DROP_FLAGGED } : { reply: { verdict: "ok" } };
  },
  (ctx) => ctx.settings.checkDelayMs,
);

export const socialPost = defineScenario({
  id: "social-post",
  title: "Post a message",
  summary:
    "A post crosses three brokers. The post service asks the spam filter over NATS and waits: a flagged post stops there. A post with images gets a durable RabbitMQ job on images, which must not be lost. Then Redis tells every connected feed. Kill a spam filter, the image worker or a feed listener, and each broker keeps its own promise: retried, redelivered, or missed.",
  pattern: "story",
  roundTrip: "spam check → answer",
  publishLabel: "Post",
  settings: {
    checkDelayMs: { label: "Spam check time", unit: "ms", min: 0, max: 60_000, step: 10, default: 30 },
    timeoutMs: { label: "Spam check timeout", unit: "ms", min: 50, max: 60_000, step: 50, default: 1_000 },
    retries: { label: "Spam check retries", unit: "", min: 0, max: 10, step: 1, default: 2 },
    flagRate: { label: "Flag rate", unit: "0–1", min: 0, max: 1, step: 0.05, default: 0.1 },
    jobDelayMs: { label: "Image processing time", unit: "ms", min: 0, max: 60_000, step: 10, default: 150 },
  },
  roles: {
    "post-service": { description: "Asks spam.check over NATS, queues images on RabbitMQ with confirms, broadcasts new_post on Redis", program: storyFront(PLAN), transport: "nats", alsoSpeaks: ["rabbitmq", "redis"], initial: 1, min: 1, max: 1, killable: false, publishes: true },
    "spam-filter": { description: `Answers ${SPAM_SUBJECT} in queue group spam-filter: ok or spam`, program: spamFilter, transport: "nats", initial: 2, min: 0, max: 6, killable: true },
    "image-worker": { description: "Processes images jobs one at a time with manual acks", program: storyJobWorker(IMAGES_QUEUE, IMAGES_CHANNEL_ID, PLAN.queues), transport: "rabbitmq", initial: 2, min: 0, max: 4, killable: true },
    "feed-listener": { description: `A connected user's feed: listens on the Redis channel ${FEED_CHANNEL}`, program: storySubscriber({ channel: FEED_CHANNEL, channelId: FEED_CHANNEL_ID, idField: "postId" }), transport: "redis", initial: 2, min: 0, max: 6, killable: true },
  },
  commands: [
    { type: "publish", description: "Post one message, or a burst of count; a payload { userId, message, images } posts your own" },
    { type: "add-actor", description: "Add a spam filter, an image worker or a feed listener" },
    { type: "kill-actor", description: "SIGKILL a spam filter (its checks time out and are retried), the image worker (its jobs are redelivered) or a feed listener (it misses posts)" },
    { type: "set", description: "Change checkDelayMs, timeoutMs, retries, flagRate or jobDelayMs" },
    { type: "reset", description: "Clear the ledger and the hop log" },
  ],
  channels: [
    { id: SPAM_CHANNEL_ID, label: SPAM_SUBJECT, kind: "subject" },
    { id: IMAGES_CHANNEL_ID, label: "images", kind: "queue" },
    { id: FEED_CHANNEL_ID, label: FEED_CHANNEL, kind: "channel" },
  ],
  links: [
    { from: "role:post-service", to: SPAM_CHANNEL_ID },
    { from: SPAM_CHANNEL_ID, to: "role:spam-filter" },
    { from: "role:post-service", to: IMAGES_CHANNEL_ID },
    { from: IMAGES_CHANNEL_ID, to: "role:image-worker" },
    { from: "role:post-service", to: FEED_CHANNEL_ID },
    { from: FEED_CHANNEL_ID, to: "role:feed-listener" },
  ],
  checkPublish: storyPublishCheck(PLAN),
  delivery: {
    // What must not be lost: a post's images, once it was let through.
    guarantee: "at-least-once",
    kills: { "image-worker": { requeue: true } },
    audience: "feed-listener",
    legs: [
      { name: "spam check", guarantee: "at-most-once", destinations: [SPAM_SUBJECT] },
      { name: "images", guarantee: "at-least-once", destinations: [IMAGES_QUEUE] },
      { name: "feed", guarantee: "at-most-once", destinations: [FEED_CHANNEL], completesOn: ["confirmed"] },
    ],
    // A post is done once its feed broadcast has gone out and its images (if any) are processed.
    unit: { name: "post", completesWhenAll: [IMAGES_QUEUE], endsOnDropIn: ["spam check"], closesOn: FEED_CHANNEL },
  },
  demo: {
    settings: { checkDelayMs: 200, timeoutMs: 700, retries: 2, flagRate: 0.2, jobDelayMs: 500 },
    before: [{ count: 6 }],
    kill: { role: "image-worker", afterMs: 1_000 },
    after: [{ count: 2 }],
    settleMs: 6_000,
  },
});
