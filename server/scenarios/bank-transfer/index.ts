import { z } from "zod";
import { defineScenario } from "../model";
import { storyFront, storyJobWorker, storyPublishCheck, storyResponder, storySubscriber, type StoryPlan } from "../shared/story";

/** Seed 000, example 3: transfer money between two accounts. */
const BALANCE_SUBJECT = "accounts.checkBalance";
const BALANCE_CHANNEL_ID = `nats:${BALANCE_SUBJECT}`;
const EXECUTE_SUBJECT = "transfers.execute";
const EXECUTE_CHANNEL_ID = `nats:${EXECUTE_SUBJECT}`;
/** The seed's `emails` queue, with a prefix: the job-queue scenario owns an `emails` of its own. */
const EMAILS_QUEUE = "bank.emails";
const EMAILS_CHANNEL_ID = `rabbitmq:${EMAILS_QUEUE}`;
const CACHE_CHANNEL = "cache-invalidate";
const CACHE_CHANNEL_ID = `redis:${CACHE_CHANNEL}`;

const DROP_INSUFFICIENT = "insufficient funds";
const DROP_FAILED = "transfer failed";

const ACCOUNTS = ["acc-1001", "acc-1002", "acc-1003", "acc-1004"];

const accountsOf = (transfer: { data: Record<string, unknown> }) => ({ from: String(transfer.data.from ?? ""), to: String(transfer.data.to ?? "") });
const email = (template: "transfer_sent" | "transfer_received") => ({
  queue: EMAILS_QUEUE,
  channelId: EMAILS_CHANNEL_ID,
  name: template,
  payload: (transfer: { id: string; data: Record<string, unknown> }) => ({ transferId: transfer.id, to: template === "transfer_sent" ? accountsOf(transfer).from : accountsOf(transfer).to, template, amount: transfer.data.amount }),
});

const PLAN: StoryPlan = {
  steps: [
    // Both must be waited for: money moves only on a confirmed answer.
    { step: "request", subject: BALANCE_SUBJECT, queueGroup: "account-service", channelId: BALANCE_CHANNEL_ID, noResponders: "no account service (503)", timedOut: "balance check timed out after retries", refusal: (reply) => ((reply as { balance?: unknown } | null)?.balance === "sufficient" ? null : DROP_INSUFFICIENT) },
    { step: "request", subject: EXECUTE_SUBJECT, queueGroup: "transfer-service", channelId: EXECUTE_CHANNEL_ID, noResponders: "no transfer executor (503)", timedOut: "transfer timed out after retries", refusal: (reply) => ((reply as { result?: unknown } | null)?.result === "success" ? null : DROP_FAILED) },
    // Two emails on one queue: the ledger waits for both.
    { step: "jobs", jobs: [email("transfer_sent"), email("transfer_received")] },
    { step: "broadcast", channel: CACHE_CHANNEL, channelId: CACHE_CHANNEL_ID, event: "cache_invalidate", idField: "transferId", payload: (transfer) => ({ keys: [`balance:${accountsOf(transfer).from}`, `balance:${accountsOf(transfer).to}`] }), noSubscribers: "no cache node listening (PUBLISH answered 0)" },
  ],
  queues: [EMAILS_QUEUE],
  sample: (_id, n) => ({ from: ACCOUNTS[n % ACCOUNTS.length], to: ACCOUNTS[(n + 1) % ACCOUNTS.length], amount: 10 + ((n * 13) % 190) }),
  payload: z
    .object({ from: z.string().min(1).max(64), to: z.string().min(1).max(64), amount: z.number().positive().max(1_000_000_000) })
    .refine((transfer) => transfer.from !== transfer.to, { message: "must be another account than from", path: ["to"] }),
  frontLeft: "the bank's API went away mid-transfer: its remaining steps never ran",
};

const accountService = storyResponder<"accountDelayMs" | "insufficientRate">(
  { subject: BALANCE_SUBJECT, queueGroup: "account-service", channelId: BALANCE_CHANNEL_ID },
  (ctx) => (Math.random() < ctx.settings.insufficientRate ? { reply: { balance: "insufficient" }, reason: DROP_INSUFFICIENT } : { reply: { balance: "sufficient", checkedBy: ctx.spec.id } }),
  (ctx) => ctx.settings.accountDelayMs,
);

const transferExecutor = storyResponder<"accountDelayMs" | "failRate">(
  { subject: EXECUTE_SUBJECT, queueGroup: "transfer-service", channelId: EXECUTE_CHANNEL_ID },
  (ctx) => (Math.random() < ctx.settings.failRate ? { reply: { result: "failed" }, reason: DROP_FAILED } : { reply: { result: "success", executedBy: ctx.spec.id } }),
  (ctx) => ctx.settings.accountDelayMs,
);

export const bankTransfer = defineScenario({
  id: "bank-transfer",
  title: "Transfer money",
  summary:
    "A transfer waits twice over NATS: the account service must confirm the balance, then the transfer service must confirm the move. Only then are two emails (transfer_sent, transfer_received) queued on RabbitMQ, where they must not be lost, and every server is told over Redis to drop the two cached balances. Kill an account service, an email worker or a cache node, and watch each broker keep its own promise.",
  pattern: "story",
  roundTrip: "balance check → answer",
  publishLabel: "Transfer",
  settings: {
    accountDelayMs: { label: "Account service time", unit: "ms", min: 0, max: 60_000, step: 10, default: 30 },
    timeoutMs: { label: "Request timeout", unit: "ms", min: 50, max: 60_000, step: 50, default: 1_000 },
    retries: { label: "Request retries", unit: "", min: 0, max: 10, step: 1, default: 2 },
    insufficientRate: { label: "Insufficient funds rate", unit: "0–1", min: 0, max: 1, step: 0.05, default: 0.1 },
    failRate: { label: "Transfer failure rate", unit: "0–1", min: 0, max: 1, step: 0.05, default: 0.05 },
    jobDelayMs: { label: "Email sending time", unit: "ms", min: 0, max: 60_000, step: 10, default: 150 },
  },
  roles: {
    "bank-api": { description: "Checks the balance and executes over NATS, queues two emails on RabbitMQ with confirms, invalidates caches on Redis", program: storyFront(PLAN), transport: "nats", alsoSpeaks: ["rabbitmq", "redis"], initial: 1, min: 1, max: 1, killable: false, publishes: true },
    "account-service": { description: `Answers ${BALANCE_SUBJECT}: sufficient or insufficient`, program: accountService, transport: "nats", initial: 2, min: 0, max: 6, killable: true },
    "transfer-service": { description: `Answers ${EXECUTE_SUBJECT}: success or failed`, program: transferExecutor, transport: "nats", initial: 2, min: 0, max: 6, killable: true },
    "email-worker": { description: "Sends emails jobs one at a time with manual acks", program: storyJobWorker(EMAILS_QUEUE, EMAILS_CHANNEL_ID, PLAN.queues), transport: "rabbitmq", initial: 2, min: 0, max: 4, killable: true },
    "cache-node": { description: `An app server's cache: listens on the Redis channel ${CACHE_CHANNEL}`, program: storySubscriber({ channel: CACHE_CHANNEL, channelId: CACHE_CHANNEL_ID, idField: "transferId" }), transport: "redis", initial: 2, min: 0, max: 6, killable: true },
  },
  commands: [
    { type: "publish", description: "Make one transfer, or a burst of count; a payload { from, to, amount } makes your own" },
    { type: "add-actor", description: "Add an account service, a transfer service, an email worker or a cache node" },
    { type: "kill-actor", description: "SIGKILL a service (its requests time out and are retried), an email worker (its emails are redelivered) or a cache node (it misses an invalidation)" },
    { type: "set", description: "Change accountDelayMs, timeoutMs, retries, insufficientRate, failRate or jobDelayMs" },
    { type: "reset", description: "Clear the ledger and the hop log" },
  ],
  channels: [
    { id: BALANCE_CHANNEL_ID, label: BALANCE_SUBJECT, kind: "subject" },
    { id: EXECUTE_CHANNEL_ID, label: EXECUTE_SUBJECT, kind: "subject" },
    { id: EMAILS_CHANNEL_ID, label: "emails", kind: "queue" },
    { id: CACHE_CHANNEL_ID, label: CACHE_CHANNEL, kind: "channel" },
  ],
  links: [
    { from: "role:bank-api", to: BALANCE_CHANNEL_ID },
    { from: BALANCE_CHANNEL_ID, to: "role:account-service" },
    { from: "role:bank-api", to: EXECUTE_CHANNEL_ID },
    { from: EXECUTE_CHANNEL_ID, to: "role:transfer-service" },
    { from: "role:bank-api", to: EMAILS_CHANNEL_ID },
    { from: EMAILS_CHANNEL_ID, to: "role:email-worker" },
    { from: "role:bank-api", to: CACHE_CHANNEL_ID },
    { from: CACHE_CHANNEL_ID, to: "role:cache-node" },
  ],
  checkPublish: storyPublishCheck(PLAN),
  delivery: {
    // What must not be lost: the customers' emails about money that moved.
    guarantee: "at-least-once",
    kills: { "email-worker": { requeue: true } },
    audience: "cache-node",
    legs: [
      { name: "balance check", guarantee: "at-most-once", destinations: [BALANCE_SUBJECT] },
      { name: "transfer", guarantee: "at-most-once", destinations: [EXECUTE_SUBJECT] },
      { name: "emails", guarantee: "at-least-once", destinations: [EMAILS_QUEUE] },
      { name: "cache", guarantee: "at-most-once", destinations: [CACHE_CHANNEL], completesOn: ["confirmed"] },
    ],
    unit: { name: "transfer", completesWhenAll: [EMAILS_QUEUE], endsOnDropIn: ["balance check", "transfer"], closesOn: CACHE_CHANNEL },
  },
  demo: {
    settings: { accountDelayMs: 150, timeoutMs: 700, retries: 2, insufficientRate: 0.2, failRate: 0.1, jobDelayMs: 600 },
    before: [{ count: 6 }],
    kill: { role: "email-worker", afterMs: 1_400 },
    after: [{ count: 2 }],
    settleMs: 7_000,
  },
});
