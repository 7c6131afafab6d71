import { commandSchema, describeZodError, type Command, type SettingsValues } from "../../lib/protocol";
import { fail, ok, type Result } from "./result";
import type { ScenarioRunner } from "./runner";

/** What a command needs of the engine beyond its scenario's runner. */
export interface CommandHost {
  /** Why the scenario cannot run now (a broker down), or null. */
  unavailable: (runner: ScenarioRunner) => string | null;
  reset: (runner: ScenarioRunner) => { reset: true };
  /** The scenario's state changed outside the runner's own notices. */
  changed: (runner: ScenarioRunner) => void;
}

/** Validates a presenter's command for one scenario and carries it out. */
export async function runCommand(runner: ScenarioRunner, raw: unknown, host: CommandHost): Promise<Result<unknown>> {
  const id = runner.info.id;
  const parsed = commandSchema.safeParse(raw);
  if (!parsed.success) return fail("bad-request", describeZodError(parsed.error));
  const command = parsed.data;
  const known = runner.info.commands.some((c) => c.type === command.type);
  if (!known) return fail("bad-request", `type: ${id} does not support "${command.type}"`);
  if (command.type === "reset") return ok(host.reset(runner));
  // A bad publish is refused as such whatever the scenario's state, before anything is sent.
  const refused = command.type === "publish" ? runner.definition.checkPublish?.(command) : null;
  if (refused) return fail("bad-request", refused);
  const down = host.unavailable(runner);
  if (down) return fail("broker-down", down);
  if (command.type === "set") return set(runner, command, host);
  if (!runner.running) return fail("not-running", `${id} is not running; start it first (POST /api/scenarios/${id}/start)`);
  try {
    switch (command.type) {
      case "publish":
        return await publish(runner, command);
      case "add-actor":
        return await addActor(runner, command);
      case "kill-actor":
        return killActor(runner, command);
      case "cancel":
        return await cancel(runner);
    }
  } catch (error) {
    return fail("internal", (error as Error).message);
  }
}

type CommandOf<T extends Command["type"]> = Extract<Command, { type: T }>;

async function set(runner: ScenarioRunner, command: CommandOf<"set">, host: CommandHost): Promise<Result<unknown>> {
  const { type: _type, ...values } = command;
  const settings = runner.definition.settingsSchema.safeParse(values);
  if (!settings.success) return fail("bad-request", describeZodError(settings.error));
  const refused = await runner.applySettings(settings.data as SettingsValues);
  if (refused) return fail("conflict", refused);
  host.changed(runner);
  return ok({ settings: { ...runner.settings } });
}

async function publish(runner: ScenarioRunner, command: CommandOf<"publish">): Promise<Result<unknown>> {
  const publisher = runner.publisher();
  if (!publisher) return fail("conflict", `No live ${runner.definition.publisherRole} to publish with; stop and start the scenario`);
  return ok(await publisher.send({ type: "publish", count: command.count, payload: command.payload, key: command.key, priority: command.priority, ttlMs: command.ttlMs, exchange: command.exchange, headers: command.headers }));
}

async function cancel(runner: ScenarioRunner): Promise<Result<unknown>> {
  const publisher = runner.publisher();
  if (!publisher) return fail("conflict", `No live ${runner.definition.publisherRole} to cancel with; stop and start the scenario`);
  return ok(await publisher.send({ type: "cancel" }));
}

async function addActor(runner: ScenarioRunner, command: CommandOf<"add-actor">): Promise<Result<unknown>> {
  const id = runner.info.id;
  const role = runner.info.roles.find((r) => r.name === command.role);
  if (!role) return fail("bad-request", `role: ${id} has no role "${command.role}"; roles are ${runner.info.roles.map((r) => r.name).join(", ")}`);
  if (runner.aliveCount(role.name) >= role.max) return fail("conflict", `role: at most ${role.max} ${role.name}s`);
  const actor = runner.spawn(role.name);
  await actor.ready;
  runner.standIn(actor);
  return ok({ actorId: actor.spec.id, pid: actor.pid });
}

function killActor(runner: ScenarioRunner, command: CommandOf<"kill-actor">): Result<unknown> {
  const id = runner.info.id;
  const actor = runner.actor(command.actorId);
  if (!actor) return fail("not-found", `actorId: no actor "${command.actorId}" in ${id}`);
  const role = runner.info.roles.find((r) => r.name === actor.spec.role);
  if (!role?.killable) return fail("bad-request", `actorId: the ${actor.spec.role} drives the scenario and cannot be killed`);
  if (!actor.alive) return fail("conflict", `actorId: ${command.actorId} is already dead`);
  runner.kill(actor);
  return ok({ actorId: actor.spec.id, pid: actor.pid, signal: "SIGKILL" });
}
