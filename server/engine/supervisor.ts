import type { Actor } from "./actor";

/** Backoff before an actor that died on its own is replaced, growing to the last value. */
export const RESPAWN_BACKOFF_MS = [500, 1_000, 2_000, 5_000];
/** A replacement alive this long counts as recovered. */
export const RESPAWN_STABLE_MS = 10_000;

export interface SupervisorDeps {
  running: () => boolean;
  /** Whether the transport the role speaks answers now. */
  transportUp: (role: string) => boolean;
  /** Whether the role is below its maximum of live actors. */
  hasRoom: (role: string) => boolean;
  spawn: (role: string) => Actor;
  /** Every actor the scenario still lists, dead ones included. */
  actors: () => Iterable<Actor>;
}

/**
 * Replaces actors that died on their own (their broker went away, or they crashed), so a
 * running scenario resumes without the presenter.
 */
export class Supervisor {
  private timers = new Set<NodeJS.Timeout>();
  /** Consecutive replacements per role that did not live long; drives the backoff. */
  private attempts = new Map<string, number>();
  /** Dead actors that have been replaced: they are no longer missing anything. */
  private replaced = new Set<string>();

  constructor(private readonly deps: SupervisorDeps) {}

  hasReplaced(actorId: string): boolean {
    return this.replaced.has(actorId);
  }

  /**
   * A member the presenter added once it is ready: it takes the place of the oldest dead member
   * of its role (a killed service brought back), which is then no longer missing anything.
   */
  standIn(actor: Actor): void {
    const stood = [...this.deps.actors()].find((a) => a !== actor && (!a.alive || a.killedByPresenter) && a.spec.role === actor.spec.role && !this.replaced.has(a.spec.id));
    if (stood) this.replaced.add(stood.spec.id);
  }

  /** Replaces a dead actor of `role` after the role's backoff, once its transport answers. */
  scheduleRespawn(role: string): void {
    const attempts = this.attempts.get(role) ?? 0;
    const delay = RESPAWN_BACKOFF_MS[Math.min(attempts, RESPAWN_BACKOFF_MS.length - 1)] ?? 5_000;
    this.attempts.set(role, attempts + 1);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.deps.running()) return;
      if (!this.deps.transportUp(role)) return this.scheduleRespawn(role);
      if (!this.deps.hasRoom(role)) return;
      const actor = this.deps.spawn(role);
      const stood = [...this.deps.actors()].find((a) => !a.alive && a.spec.role === role && !a.killedByPresenter && !this.replaced.has(a.spec.id));
      if (stood) this.replaced.add(stood.spec.id);
      // Only a replacement that stays up ends the backoff; one that dies at once keeps it growing.
      // Cancelled by stop(), so an old run's timer never resets a new run's backoff.
      const settled = setTimeout(() => {
        this.timers.delete(settled);
        if (actor.alive) this.attempts.delete(role);
      }, RESPAWN_STABLE_MS);
      settled.unref();
      this.timers.add(settled);
    }, delay);
    this.timers.add(timer);
  }

  /** Forgets pending replacements, backoffs and who was replaced: the scenario stopped. */
  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.attempts.clear();
    this.replaced.clear();
  }
}
