/** The two servers the end-to-end tests run: one on loopback, one as a workshop on the LAN. */
export const PORT = Number(process.env.E2E_PORT ?? 3199);
export const WORKSHOP_PORT = Number(process.env.E2E_WORKSHOP_PORT ?? 3198);
export const WORKSHOP_TOKEN = "e2e-presenter-token";
