/**
 * Typed events on the handle, derived from the chart's steps (read through the actor system's
 * inspection, so each step comes with the event that caused it): users need not diff snapshots.
 * Every step is also published on the `sidecar-lifecycle:transition` diagnostics channel.
 */
import type { Actor } from "xstate";
import type { lifecycleMachine } from "../../machines/lifecycle.machine.ts";
import { type LifecycleStateName, lifecycleStateName } from "../../machines/state-name.ts";
import type { ErrorKind, Status } from "../../machines/types.ts";
import { transitionChannel } from "./channels.ts";

export type LifecycleStatusOf = Status & { state: LifecycleStateName };

/** One step of the chart: the leaf before and after (equal for a step inside one leaf, e.g. a heartbeat). */
export interface TransitionInfo {
  from: LifecycleStateName;
  event: string;
  to: LifecycleStateName;
  status: LifecycleStatusOf;
  /** The registration's key: `auth:9090` (v1) or `appId/instanceId` (v2). */
  instance: string;
  /** When it happened, on `performance.now()`'s clock (ms). */
  at: number;
}

/** Payloads of `lifecycle.on(name, listener)`. */
export interface LifecycleEventMap {
  /** Every step of the chart. */
  transition: TransitionInfo;
  /** The agent accepted a register and the stream is up (first or replay). */
  registered: { status: LifecycleStatusOf; replay: boolean };
  /** A replay (not the first register) was accepted; `latencyMs` counts from the agent's `connected`. */
  replayed: { status: LifecycleStatusOf; count: number; latencyMs: number | null };
  /** The watch stream failed or went silent; a reconnect follows. */
  disconnected: { status: LifecycleStatusOf; kind: ErrorKind | ""; error: string; count: number };
  /** The way out sent (or is about to send) the drain. */
  draining: { status: LifecycleStatusOf; gracePeriod: string };
  /** Final: `error` is what the way out recorded (the deadline's, a cut step's), null when clean. */
  deregistered: { status: LifecycleStatusOf; error: Error | null };
  /** Every error the lifecycle records, as `onError` gets it; `state`: the one it was recorded in (before the step it causes). */
  error: { error: Error; kind: ErrorKind; state: LifecycleStateName };
}

export type LifecycleEventName = keyof LifecycleEventMap;
export type LifecycleListener<K extends LifecycleEventName> = (payload: LifecycleEventMap[K]) => void;

/** A small typed emitter: a listener that throws is reported through `log`, never into the chart. */
export class LifecycleEvents {
  readonly #listeners = new Map<LifecycleEventName, Set<(payload: never) => void>>();
  readonly #log: (message: string) => void;
  readonly #firstListener = new Map<LifecycleEventName, () => void>();

  constructor(log: (message: string) => void) {
    this.#log = log;
  }

  on<K extends LifecycleEventName>(name: K, listener: LifecycleListener<K>): () => void {
    const set = this.#listeners.get(name) ?? new Set();
    this.#listeners.set(name, set);
    set.add(listener as (payload: never) => void);
    if (set.size === 1) this.#firstListener.get(name)?.();
    return () => this.off(name, listener);
  }

  /** Calls `hook` whenever `name` gets a listener while it had none; returns the remover. */
  onFirstListener(name: LifecycleEventName, hook: () => void): () => void {
    this.#firstListener.set(name, hook);
    return () => this.#firstListener.delete(name);
  }

  off<K extends LifecycleEventName>(name: K, listener: LifecycleListener<K>): void {
    this.#listeners.get(name)?.delete(listener as (payload: never) => void);
  }

  has(name: LifecycleEventName): boolean {
    return (this.#listeners.get(name)?.size ?? 0) > 0;
  }

  emit<K extends LifecycleEventName>(name: K, payload: LifecycleEventMap[K]): void {
    for (const listener of this.#listeners.get(name) ?? []) {
      try {
        (listener as LifecycleListener<K>)(payload);
      } catch (thrown) {
        this.#log(`"${name}" listener threw: ${thrown instanceof Error ? thrown.message : String(thrown)}`);
      }
    }
  }
}

const WAY_OUT_DRAIN: ReadonlySet<LifecycleStateName> = new Set(["draining", "drainRetry"]);

/**
 * Feeds `events` (and the transition channel) from every step of `actor`; call before
 * `actor.start()`. Returns the unsubscribe function.
 *
 * Leaf changes come from the actor's snapshots, which cost nothing extra. The cause of a step (the
 * event's name) is only known through the actor system's inspection, which makes XState describe
 * every event, microstep and action: it is attached only once a `transition` listener or a
 * channel subscriber wants it (a subscriber is noticed at the next step, which it gets).
 */
export function emitChartEvents(
  actor: Actor<typeof lifecycleMachine>,
  instance: string,
  events: LifecycleEvents,
): () => void {
  type Snapshot = ReturnType<typeof actor.getSnapshot>;
  let previous: unknown;
  let from: LifecycleStateName = "idle";
  let inspection: { unsubscribe(): void } | undefined;
  const wanted = () => transitionChannel.hasSubscribers || events.has("transition");

  const step = (snapshot: Snapshot, event: string | undefined) => {
    if (snapshot === previous) return;
    previous = snapshot;
    const to = lifecycleStateName(snapshot.value);
    const before = from;
    from = to;
    if (event === undefined && before === to) return;
    const status = { ...snapshot.context.status, state: to };
    const at = performance.now();
    if (event !== undefined) {
      const info: TransitionInfo = { from: before, event, to, status, instance, at };
      if (transitionChannel.hasSubscribers) transitionChannel.publish(info);
      events.emit("transition", info);
    }
    if (before === to) return;
    if (to === "registered") {
      const replay = status.registerReplayCount > 1;
      events.emit("registered", { status, replay });
      if (replay) {
        // From the agent's last `connected`, as the chart recorded it (ms on the wall clock).
        const latencyMs = status.lastConnectedAt ? Date.now() - Date.parse(status.lastConnectedAt) : null;
        events.emit("replayed", { status, count: status.registerReplayCount - 1, latencyMs });
      }
    } else if (to === "disconnected") {
      events.emit("disconnected", {
        status,
        kind: status.lastErrorKind,
        error: status.lastError,
        count: status.disconnectCount,
      });
    } else if (to === "draining" && !WAY_OUT_DRAIN.has(before)) {
      events.emit("draining", { status, gracePeriod: snapshot.context.gracePeriod });
    } else if (to === "deregistered") {
      events.emit("deregistered", { status, error: snapshot.context.shutdownError });
    }
  };

  const inspect = () => {
    inspection ??= actor.system.inspect((inspected) => {
      if (inspected.type !== "@xstate.snapshot" || inspected.actorRef !== actor) return;
      step(inspected.snapshot as Snapshot, inspected.event.type);
    });
  };
  if (wanted()) inspect();
  const offListener = events.onFirstListener("transition", inspect);
  const snapshots = actor.subscribe((snapshot) => {
    if (inspection) return;
    // A channel subscriber came: the inspection, which XState calls after the observers, reports this step.
    if (wanted()) inspect();
    else step(snapshot, undefined);
  });
  return () => {
    offListener();
    snapshots.unsubscribe();
    inspection?.unsubscribe();
  };
}
