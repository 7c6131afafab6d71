"use client";
import { AnimationQueue, type Flight } from "../animation";
import type { Command, CommandResult, HealthReport, Hop, HopBatch, PresenterFocus, ScenarioInfo, ScenarioSnapshot, ScenarioState } from "../protocol";
import { audienceCountSchema, audienceUrlsSchema, gaugeHistorySchema, isMessageHop } from "../protocol";
import { GaugeHistory } from "../gauge-history";
import { RateMeter, type KindRates } from "../rates";
import { RingBuffer } from "../ring";
import type { HopscopeSocket } from "./socket";

/** Hops the browser keeps for the log and trace lookups. */
const LOG_CAPACITY = 2_000;
/** Rows of the sequence diagram. */
const SEQUENCE_ROWS = 36;
const COMMAND_TIMEOUT_MS = 20_000;

export type ConnectionStatus = "connecting" | "online" | "offline";

export interface GlobalView {
  status: ConnectionStatus;
  presenter: boolean;
  scenarios: ScenarioInfo[];
  health: HealthReport | null;
  /** Where the presenter is: followed by audience browsers. */
  focus: PresenterFocus | null;
  /** For the presenter: audience browsers connected now. */
  watching: number;
  /** The server listens beyond loopback: an audience can join. */
  workshop: boolean;
  /** Where an audience joins, best first, as the server sees its network. */
  audienceUrls: string[];
}

export interface ScenarioView {
  id: string;
  info: ScenarioInfo | null;
  state: ScenarioState | null;
  /** Every hop as it arrived, oldest first, up to LOG_CAPACITY. */
  log: Hop[];
  totalHops: number;
  /** Seq of the newest hop received: a recording started now holds the hops after it. */
  lastSeq: number;
  /** Hops whose animation has started: what the sequence diagram draws. */
  revealed: Hop[];
  skipped: number;
  lagMs: number;
  /** The picture's own pace: slow motion, pause and hops waiting to be shown. */
  speed: number;
  paused: boolean;
  backlog: number;
  hopsPerSecond: number;
  /** Live only: messages per second of each kind, over the last few seconds. */
  rates?: KindRates;
  /**
   * Live only: each gauge's readings over the last few minutes. Kept up to date in place; `gaugesAt`
   * (the newest read) changes whenever it does.
   */
  gaugeHistory?: GaugeHistory;
  gaugesAt?: number | null;
  error: string | null;
}

type Listener = () => void;

const keyOfHop = (hop: Hop) => (isMessageHop(hop) ? hop.message.id : `actor:${hop.seq}`);

/**
 * Holds what the server sent, outside React. Views are rebuilt at most once per animation
 * frame, so a burst of hops costs one render, not one per hop.
 */
export class HopscopeStore {
  private global: GlobalView = { status: "connecting", presenter: false, scenarios: [], health: null, focus: null, watching: 0, workshop: false, audienceUrls: [] };
  private led: PresenterFocus | null = null;
  private watchedId: string | null = null;
  private lastSeq = 0;
  private log = new RingBuffer<Hop>(LOG_CAPACITY);
  private revealed = new RingBuffer<Hop>(SEQUENCE_ROWS);
  private totalHops = 0;
  private skipped = 0;
  /** [arrival time, hops] per batch, for the hops/s readout. */
  private arrivals: [number, number][] = [];
  private resyncing: Promise<void> | null = null;
  private info: ScenarioInfo | null = null;
  private state: ScenarioState | null = null;
  private error: string | null = null;
  private view: ScenarioView | null = null;
  private queue = new AnimationQueue<Hop>(keyOfHop);
  private listeners = new Set<Listener>();
  private frame: number | null = null;
  private notifyFrame: number | null = null;
  private dirty = false;
  /** What changed since the last view, so unchanged arrays keep their identity for React. */
  private logChanged = true;
  private revealedChanged = true;
  private shownLagStep = 0;
  private gaugeHistory = new GaugeHistory();
  private rateMeter = new RateMeter();
  private shownRateStep = 0;

  constructor(private readonly socket: HopscopeSocket) {
    socket.on("connect", () => {
      this.setGlobal({ status: "online" });
      if (this.watchedId) void this.resync();
    });
    socket.on("disconnect", () => this.setGlobal({ status: "offline" }));
    socket.on("connect_error", () => this.setGlobal({ status: "offline" }));
    socket.on("hello", (hello) => {
      const audienceUrls = audienceUrlsSchema.safeParse(hello.audienceUrls);
      this.setGlobal({ presenter: hello.presenter, workshop: hello.workshop, audienceUrls: audienceUrls.success ? audienceUrls.data : [], scenarios: hello.scenarios, health: hello.health, focus: hello.focus });
      // After a reconnect, the presenter's place is told again.
      const led = this.led;
      this.led = null;
      if (led) this.lead(led);
    });
    socket.on("focus", (focus) => this.setGlobal({ focus }));
    socket.on("audience", (info) => {
      const audience = audienceCountSchema.safeParse(info);
      if (audience.success) this.setGlobal({ watching: audience.data.watching });
    });
    socket.on("health", (health) => this.setGlobal({ health }));
    socket.on("state", (state) => {
      if (state.id !== this.watchedId) return;
      this.state = state;
      if (!state.running) this.gaugeHistory.clear();
      else if (state.gaugesAt !== undefined) this.gaugeHistory.push(state.gaugesAt, state.gauges);
      this.touch();
    });
    socket.on("reset", ({ scenarioId }) => {
      if (scenarioId === this.watchedId) void this.resync();
    });
    socket.on("hops", (batch) => this.receive(batch));
  }

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  globalView = (): GlobalView => this.global;

  scenarioView = (): ScenarioView | null => {
    if (!this.watchedId) return null;
    if (!this.view || this.dirty || this.view.id !== this.watchedId) {
      this.dirty = false;
      const previous = this.view?.id === this.watchedId ? this.view : null;
      this.view = {
        id: this.watchedId,
        info: this.info,
        state: this.state,
        log: this.logChanged || !previous ? this.log.toArray() : previous.log,
        totalHops: this.totalHops,
        lastSeq: this.lastSeq,
        // Animation may start hops out of order, and some hops are known only after the fact
        // (a requeue is inferred once the dead consumer is gone): the diagram is by time.
        revealed: this.revealedChanged || !previous ? this.revealed.toArray().sort((a, b) => a.at - b.at || a.seq - b.seq) : previous.revealed,
        skipped: this.skipped,
        lagMs: this.queue.lagMs(performance.now()),
        speed: this.queue.currentSpeed,
        paused: this.queue.isPaused,
        backlog: this.queue.backlog,
        hopsPerSecond: this.rate(),
        rates: this.rateMeter.rates(performance.now()),
        gaugeHistory: this.gaugeHistory,
        gaugesAt: this.gaugeHistory.lastAt,
        error: this.error,
      };
      this.logChanged = false;
      this.revealedChanged = false;
    }
    return this.view;
  };

  flights = (): readonly Flight<Hop>[] => this.queue.flights();

  watch(id: string): () => void {
    if (this.watchedId !== id) {
      if (this.watchedId) this.socket.emit("unwatch", { scenarioId: this.watchedId });
      this.watchedId = id;
      this.clear();
      this.info = this.global.scenarios.find((s) => s.id === id) ?? null;
      if (this.socket.connected) void this.resync();
    }
    this.startClock();
    return () => {
      if (this.watchedId !== id) return;
      this.socket.emit("unwatch", { scenarioId: id });
      this.watchedId = null;
      this.stopClock();
    };
  }

  /** The presenter's place, for the audience to follow; sent only when it changes. */
  lead(focus: PresenterFocus): void {
    if (!this.global.presenter || !this.socket.connected) {
      this.led = focus;
      return;
    }
    if (this.led && this.led.scenarioId === focus.scenarioId && this.led.traceId === focus.traceId && this.led.comparisonId === focus.comparisonId) return;
    this.led = focus;
    this.socket.emit("focus", focus, () => undefined);
  }

  /** Slow motion of the picture only: the brokers and the numbers keep their real pace. */
  setSpeed(speed: number): void {
    this.queue.setSpeed(speed);
    this.touch();
  }

  setPaused(paused: boolean): void {
    this.queue.setPaused(paused);
    this.touch();
  }

  /** Shows the next queued hop, whatever the pace. */
  step(): void {
    const hop = this.queue.step(performance.now());
    if (hop) {
      this.revealed.push(hop);
      this.revealedChanged = true;
    }
    this.touch();
  }

  /** Shows everything queued at once: the presenter's "jump to now". */
  catchUp(): void {
    for (const hop of this.queue.flush()) this.revealed.push(hop);
    this.revealedChanged = true;
    this.touch();
  }

  async start(id: string): Promise<CommandResult> {
    return this.request(() => this.socket.timeout(COMMAND_TIMEOUT_MS).emitWithAck("start", { scenarioId: id }));
  }

  async stop(id: string): Promise<CommandResult> {
    return this.request(() => this.socket.timeout(COMMAND_TIMEOUT_MS).emitWithAck("stop", { scenarioId: id }));
  }

  async command(id: string, command: Command | { type: Command["type"]; [field: string]: unknown }): Promise<CommandResult> {
    return this.request(() => this.socket.timeout(COMMAND_TIMEOUT_MS).emitWithAck("command", { scenarioId: id, command }));
  }

  private async request(send: () => Promise<CommandResult>): Promise<CommandResult> {
    if (!this.socket.connected) return { ok: false, error: { code: "internal", message: "Not connected to the Hopscope server" } };
    try {
      return await send();
    } catch {
      return { ok: false, error: { code: "internal", message: "The server did not answer in time" } };
    }
  }

  /** One snapshot request at a time; batches are ignored until it is applied. */
  private resync(): Promise<void> {
    this.resyncing ??= this.fetchSnapshot().finally(() => {
      this.resyncing = null;
    });
    return this.resyncing;
  }

  private async fetchSnapshot(): Promise<void> {
    const id = this.watchedId;
    if (!id) return;
    const answer = await this.request(() => this.socket.timeout(COMMAND_TIMEOUT_MS).emitWithAck("watch", { scenarioId: id }));
    if (this.watchedId !== id) return;
    if (!answer.ok) {
      this.error = answer.error.message;
      this.touch();
      return;
    }
    const snapshot = answer.result as ScenarioSnapshot;
    this.clear();
    this.info = snapshot.scenario;
    this.state = snapshot.state;
    this.lastSeq = snapshot.lastSeq;
    for (const hop of snapshot.hops) {
      this.log.push(hop);
      this.revealed.push(hop);
    }
    this.totalHops = snapshot.totalHops;
    const history = gaugeHistorySchema.safeParse(snapshot.gaugeHistory);
    this.gaugeHistory = history.success ? GaugeHistory.from(history.data) : new GaugeHistory();
    this.logChanged = this.revealedChanged = true;
    this.touch();
  }

  private receive(batch: HopBatch): void {
    if (batch.scenarioId !== this.watchedId || this.resyncing) return;
    if (batch.afterSeq !== this.lastSeq) {
      // A gap (missed batch, reconnect): a fresh snapshot is cheaper than guessing.
      void this.resync();
      return;
    }
    const now = performance.now();
    for (const hop of batch.hops) this.log.push(hop);
    this.rateMeter.add(batch.hops, now);
    this.arrivals.push([now, batch.hops.length]);
    // Trimmed here as well as when the view is built: a hidden tab gets no animation frames,
    // builds no view, and would otherwise keep an entry per batch for as long as it stays hidden.
    this.forgetArrivalsBefore(now - 1000);
    this.totalHops += batch.hops.length;
    this.lastSeq = batch.hops[batch.hops.length - 1]?.seq ?? this.lastSeq;
    if (document.hidden) {
      // A hidden tab gets no animation frames: nothing would drain the queue.
      for (const hop of batch.hops) this.revealed.push(hop);
      this.revealedChanged = true;
    } else {
      this.queue.push(batch.hops, now);
    }
    this.logChanged = true;
    if (this.state) this.state = { ...this.state, ledger: batch.ledger, latency: batch.latency };
    this.touch();
  }

  private clear(): void {
    this.log.clear();
    this.revealed.clear();
    this.queue.flush();
    this.totalHops = 0;
    this.skipped = 0;
    this.arrivals = [];
    this.rateMeter.clear();
    this.gaugeHistory.clear();
    this.lastSeq = 0;
    this.state = null;
    this.error = null;
    this.dirty = this.logChanged = this.revealedChanged = true;
  }

  private rate(): number {
    this.forgetArrivalsBefore(performance.now() - 1000);
    return this.arrivals.reduce((sum, [, count]) => sum + count, 0);
  }

  private forgetArrivalsBefore(cutoff: number): void {
    const firstRecent = this.arrivals.findIndex(([at]) => at >= cutoff);
    if (firstRecent !== 0) this.arrivals = firstRecent < 0 ? [] : this.arrivals.slice(firstRecent);
  }

  private setGlobal(patch: Partial<GlobalView>): void {
    this.global = { ...this.global, ...patch };
    if (patch.scenarios && this.watchedId && !this.info) this.info = patch.scenarios.find((s) => s.id === this.watchedId) ?? null;
    this.touch();
  }

  /** Marks the view stale; listeners hear about it once per frame, however many changes came. */
  private touch(): void {
    this.dirty = true;
    if (this.notifyFrame !== null) return;
    this.notifyFrame = requestAnimationFrame(() => {
      this.notifyFrame = null;
      for (const listener of this.listeners) listener();
    });
  }

  private startClock(): void {
    if (this.frame !== null) return;
    const step = () => {
      const now = performance.now();
      const tick = this.queue.tick(now);
      if (tick.revealed.length > 0) {
        for (const hop of tick.revealed) this.revealed.push(hop);
        this.skipped += tick.skipped;
        this.revealedChanged = true;
        this.touch();
      }
      // The lag readout moves in quarter seconds, not every frame.
      const lagStep = Math.floor(this.queue.lagMs(now) / 250);
      if (lagStep !== this.shownLagStep) {
        this.shownLagStep = lagStep;
        this.touch();
      }
      // Rates fall as hops stop coming, with no hop to say so: they are read again twice a second.
      const rateStep = Math.floor(now / 500);
      if (rateStep !== this.shownRateStep && !this.rateMeter.idle(now)) {
        this.shownRateStep = rateStep;
        this.touch();
      }
      this.frame = requestAnimationFrame(step);
    };
    this.frame = requestAnimationFrame(step);
  }

  private stopClock(): void {
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
  }
}
