/**
 * Shared pieces of the lifecycle suites: a per-test agent and lifecycles
 * that are stopped afterwards, condition waits on the chart's snapshots, and a simulated clock
 * that records every timer the chart sets (so a test can read the backoff it chose).
 */
import { afterEach, beforeEach } from "vitest";
import { type AnyStateNode, SimulatedClock } from "xstate";
import { lifecycleMachine } from "../../machines/lifecycle.machine.ts";
import {
  type CreateLifecycleOptions,
  createLifecycle,
  type Lifecycle,
  type LifecycleStatus,
} from "../../src/lifecycle.ts";
import { TestAgent } from "./agent.ts";
import { authRequest } from "./fixtures.ts";

/** A SimulatedClock that also remembers the duration of every timer set on it. */
export class RecordingClock extends SimulatedClock {
  readonly delays: number[] = [];

  override setTimeout(fn: (...args: unknown[]) => void, timeout: number): number {
    this.delays.push(timeout);
    return super.setTimeout(fn, timeout);
  }
}

export interface Harness {
  readonly agent: TestAgent;
  /** A lifecycle against this test's agent, started, stopped after the test. */
  start(options?: CreateLifecycleOptions): Lifecycle;
}

/** Registers before/after hooks: a fresh TestAgent per test, every lifecycle stopped after it. */
export function useAgent(): Harness {
  let agent: TestAgent | undefined;
  const lifecycles: Lifecycle[] = [];
  beforeEach(async () => {
    agent = await TestAgent.start();
  });
  afterEach(async () => {
    for (const lifecycle of lifecycles.splice(0)) lifecycle.actor.stop();
    await agent?.close();
  });
  return {
    get agent() {
      if (!agent) throw new Error("useAgent: the agent exists only inside a test");
      return agent;
    },
    start(options = {}) {
      const lifecycle = createLifecycle(authRequest(), { baseURL: this.agent.url, ...options });
      lifecycles.push(lifecycle);
      lifecycle.start();
      return lifecycle;
    },
  };
}

/** Every status the lifecycle passes through from now on, in order. */
export function recordStatuses(lifecycle: Lifecycle): LifecycleStatus[] {
  const seen: LifecycleStatus[] = [lifecycle.status()];
  lifecycle.actor.subscribe(() => seen.push(lifecycle.status()));
  return seen;
}

/** Resolves with the first status for which `check` holds; rejects naming `what` after `timeoutMs`. */
export function waitForStatus(
  lifecycle: Pick<Lifecycle, "status" | "actor">,
  check: (status: LifecycleStatus) => boolean,
  what: string,
  timeoutMs = 5_000,
): Promise<LifecycleStatus> {
  return new Promise((resolve, reject) => {
    const now = lifecycle.status();
    if (check(now)) {
      resolve(now);
      return;
    }
    const timer = setTimeout(() => {
      subscription.unsubscribe();
      reject(
        new Error(
          `timed out after ${timeoutMs} ms waiting for ${what}; status: ${JSON.stringify(lifecycle.status())}`,
        ),
      );
    }, timeoutMs);
    const subscription = lifecycle.actor.subscribe(() => {
      const status = lifecycle.status();
      if (!check(status)) return;
      clearTimeout(timer);
      subscription.unsubscribe();
      resolve(status);
    });
  });
}

/** Lets pending socket I/O run. */
export function ioTurn(ms = 5): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The chart's leaf states that invoke nothing and leave only on a timer of their own (reconnect
 * wait, retry waits, drain delay): there no call or stream is in flight, so moving the simulated
 * clock races no real I/O. Read off the chart, so a new wait state counts without a change here.
 */
const timerStates: ReadonlySet<string> = new Set(
  leafNodes(lifecycleMachine.root)
    .filter((node) => node.after.length > 0 && node.invoke.length === 0)
    .map((node) => node.key),
);

function leafNodes(node: AnyStateNode): AnyStateNode[] {
  const children = Object.values(node.states);
  return children.length === 0 ? [node] : children.flatMap(leafNodes);
}

/**
 * Runs the lifecycle until `check` holds. The simulated clock moves 1 ms at a time and only while
 * the chart waits in a timer state; in any other state (a call, the stream or the server pending)
 * the clock stands still and the real I/O is awaited, so a slow machine cannot make liveness or the
 * shutdown deadline fire early. Returns the simulated time that took, exact to the millisecond.
 */
export async function advanceUntil(
  clock: SimulatedClock,
  lifecycle: Lifecycle,
  check: (status: LifecycleStatus) => boolean,
  what: string,
  { maxMs = 120_000, timeoutMs = 5_000 }: { maxMs?: number; timeoutMs?: number } = {},
): Promise<number> {
  let advanced = 0;
  while (!check(lifecycle.status())) {
    const state = lifecycle.state();
    if (!timerStates.has(state)) {
      await waitForStatus(
        lifecycle,
        (status) => status.state !== state || check(status),
        `${what} (in ${state}, which waits on no timer of its own, so the clock stands still)`,
        timeoutMs,
      );
      continue;
    }
    if (advanced >= maxMs) {
      throw new Error(
        `simulated ${advanced} ms without ${what}; status: ${JSON.stringify(lifecycle.status())}`,
      );
    }
    clock.increment(1);
    advanced += 1;
  }
  return advanced;
}

/** Polls `check` until it holds; rejects naming `what` after `timeoutMs`. For state outside the chart. */
export async function eventually(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await ioTurn();
  }
}

/** `promise`, or a rejection naming `what` if it has not settled within `timeoutMs`. */
export function within<T>(promise: Promise<T>, what: string, timeoutMs = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The error `promise` rejects with; fails when it resolves. */
export function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

/** Counts the events of `type` the lifecycle's chart receives (those that change no status too). */
export function countEvents(lifecycle: Lifecycle, type: string): () => number {
  let count = 0;
  lifecycle.actor.system.inspect((inspection) => {
    if (
      inspection.type === "@xstate.event" &&
      inspection.actorRef === lifecycle.actor &&
      inspection.event.type === type
    ) {
      count += 1;
    }
  });
  return () => count;
}
