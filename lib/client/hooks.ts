"use client";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useState, useSyncExternalStore } from "react";
import type { WitnessView } from "../crosscheck";
import { focusPath, type Command, type CommandResult, type PresenterFocus } from "../protocol";
import { fetchPeek, type PeekOutcome } from "./peek";
import { connection } from "./socket";
import { fetchWitness, switchWitness, WITNESS_POLL_MS } from "./witness";
import { HopscopeStore, type GlobalView, type ScenarioView } from "./store";

let store: HopscopeStore | null = null;

function theStore(): HopscopeStore {
  store ??= new HopscopeStore(connection());
  return store;
}

const SERVER_GLOBAL: GlobalView = { status: "connecting", presenter: false, scenarios: [], health: null, focus: null, watching: 0, workshop: false, audienceUrls: [] };

// Stable across renders, so React does not resubscribe on every one.
const subscribe = (listener: () => void) => theStore().subscribe(listener);

export function useHopscope(): GlobalView {
  return useSyncExternalStore(
    subscribe,
    () => theStore().globalView(),
    () => SERVER_GLOBAL,
  );
}

/** The presenter's place, told to the audience; audience browsers ignore it. */
export function useLead(): (focus: PresenterFocus) => void {
  return useCallback((focus: PresenterFocus) => theStore().lead(focus), []);
}

const FOLLOW_KEY = "hopscope.follow";
/** The choice made on this page, for browsers that keep no storage. */
let followOverride: boolean | null = null;
const followListeners = new Set<() => void>();

/** Whether this audience browser follows the presenter (on unless switched off here). */
export function useFollowing(): [boolean, (on: boolean) => void] {
  const following = useSyncExternalStore(
    (listener) => {
      followListeners.add(listener);
      return () => followListeners.delete(listener);
    },
    () => {
      try {
        return window.localStorage.getItem(FOLLOW_KEY) !== "off";
      } catch {
        // Storage blocked by the browser: the page's own choice, following by default.
        return followOverride ?? true;
      }
    },
    () => true,
  );
  const set = useCallback((on: boolean) => {
    try {
      window.localStorage.setItem(FOLLOW_KEY, on ? "on" : "off");
    } catch {
      // Not remembered across reloads; this page still switches.
    }
    followOverride = on;
    for (const listener of followListeners) listener();
  }, []);
  return [following, set];
}

/**
 * An audience browser that follows goes where the presenter's focus leads, unless it is there
 * already (`here`, this page's path); the presenter's own browser stays put.
 */
function useFollowPresenter(here: string): [boolean, (on: boolean) => void] {
  const { presenter, focus } = useHopscope();
  const [following, setFollowing] = useFollowing();
  const router = useRouter();
  const target = !presenter && following && focus ? focusPath(focus) : null;
  useEffect(() => {
    if (target && target !== here) router.push(target);
  }, [target, here, router]);
  return [following, setFollowing];
}

/**
 * What a live page's frame shows (the connection, broker health, how many watch) and the
 * audience's switch to follow the presenter, who is followed from here.
 */
export function useShell(here: string, activeId?: string) {
  const hopscope = useHopscope();
  const [following, onFollowChange] = useFollowPresenter(here);
  return {
    scenarios: hopscope.scenarios,
    health: hopscope.health,
    connection: hopscope.status,
    presenter: hopscope.presenter,
    activeId,
    watching: hopscope.workshop ? hopscope.watching : undefined,
    join: hopscope.workshop ? { urls: hopscope.audienceUrls, watching: hopscope.presenter ? hopscope.watching : undefined } : undefined,
    following,
    onFollowChange,
  };
}

export interface ScenarioActions {
  start(): Promise<CommandResult>;
  stop(): Promise<CommandResult>;
  command(command: Command | { type: Command["type"]; [field: string]: unknown }): Promise<CommandResult>;
  catchUp(): void;
  setSpeed(speed: number): void;
  setPaused(paused: boolean): void;
  step(): void;
  flights: HopscopeStore["flights"];
  /** Live only: what the broker stores for one of the scenario's peek targets. */
  peek?: (target: string) => Promise<PeekOutcome>;
}

export function useScenario(id: string): { view: ScenarioView | null; actions: ScenarioActions } {
  useEffect(() => theStore().watch(id), [id]);
  const view = useSyncExternalStore(
    subscribe,
    () => {
      const v = theStore().scenarioView();
      return v && v.id === id ? v : null;
    },
    () => null,
  );
  const start = useCallback(() => theStore().start(id), [id]);
  const stop = useCallback(() => theStore().stop(id), [id]);
  const command = useCallback((c: Parameters<ScenarioActions["command"]>[0]) => theStore().command(id, c), [id]);
  const catchUp = useCallback(() => theStore().catchUp(), []);
  const flights = useCallback(() => theStore().flights(), []);
  const setSpeed = useCallback((speed: number) => theStore().setSpeed(speed), []);
  const setPaused = useCallback((paused: boolean) => theStore().setPaused(paused), []);
  const step = useCallback(() => theStore().step(), []);
  const peek = useCallback((target: string) => fetchPeek(id, target), [id]);
  return { view, actions: { start, stop, command, catchUp, setSpeed, setPaused, step, flights, peek } };
}

export interface WitnessState {
  view: WitnessView | null;
  /** Why the last call failed, in words for the page; null after one that worked. */
  error: string | null;
  busy: boolean;
  setOn(on: boolean): void;
}

/** While the witness is off, the page still looks now and then: another presenter tab may turn it on. */
const WITNESS_IDLE_POLL_MS = 3 * WITNESS_POLL_MS;

/** The broker's view of a scenario, asked for again every second while its witness is on. */
export function useWitness(id: string): WitnessState {
  const [view, setView] = useState<WitnessView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const on = view?.on ?? false;
  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      const answer = await fetchWitness(id);
      if (cancelled) return;
      if (answer.ok) setView(answer.result);
      timer = setTimeout(() => void poll(), on ? WITNESS_POLL_MS : WITNESS_IDLE_POLL_MS);
    };
    void poll();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [id, on]);
  const setOn = useCallback(
    (next: boolean) => {
      setBusy(true);
      void switchWitness(id, next).then((answer) => {
        setBusy(false);
        setError(answer.ok ? null : answer.message);
        if (answer.ok) setView(answer.result);
      });
    },
    [id],
  );
  return { view, error, busy, setOn };
}
