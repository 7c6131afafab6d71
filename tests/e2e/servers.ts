import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { hostSlug } from "../../server/brokers/namespace";

/** The two servers the end-to-end tests run: one on loopback, one as a workshop on the LAN. */
export const PORT = Number(process.env.E2E_PORT ?? 3199);
export const WORKSHOP_PORT = Number(process.env.E2E_WORKSHOP_PORT ?? 3198);
// Fresh per run, and handed to the test workers through the environment: the workshop server
// listens on every interface while the tests run.
process.env.E2E_WORKSHOP_TOKEN ??= randomBytes(16).toString("hex");
export const WORKSHOP_TOKEN = process.env.E2E_WORKSHOP_TOKEN;
/**
 * Namespaces of their own: apart from a dashboard running beside the suite, and from each other,
 * since a scenario one spec left running on the first must not take the second's messages.
 */
const base = process.env.HOPSCOPE_TEST_NAMESPACE ?? hostSlug(hostname());
export const NAMESPACE = `${base}-e2e`;
export const WORKSHOP_NAMESPACE = `${base}-e2e-workshop`;
/**
 * How long a scenario may take from "Start scenario" to its controls: its actors start as
 * processes while the pictures run beside the live specs, on 2 cores.
 */
export const SCENARIO_START_MS = 30_000;
