/**
 * Liveness and observed events on the chart alone (controlled actors, the clock advanced by hand).
 * The chart's comment and design.md: no byte for `livenessTimeout` (5 s here) means a hung agent,
 * and every event re-arms the silence timer (bare activity, a heartbeat, a `connected`). A
 * heartbeat, or an event observed by hand, moves only the `lastEvent*` fields (and what the agent
 * says of its own readiness): never a reason to re-register or to mark anything disconnected.
 * Last, the chart's own placeholders: an actor `src/` did not provide names the misuse.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { type AnyEventObject, createActor, fromCallback, fromPromise } from "xstate";
import type * as Chart from "../machines/lifecycle.machine.ts";
import { ModelClock } from "../src/testing/clock.ts";
import { legacyConnectedEvent } from "./support/fixtures.ts";
import type * as Harness from "./support/model-chart-harness.ts";
import { modelInput } from "./support/model-input.ts";

// The chart is loaded by each suite's first hook, not by a static import: a chart that cannot be
// built then fails every test here, where a file failing to import reports no tests at all (and
// Stryker's vitest runner counts a mutant that breaks the chart's definition as survived).
let lifecycleMachine: typeof Chart.lifecycleMachine;
let chartHarness: typeof Harness.chartHarness;
async function loadChart() {
  ({ lifecycleMachine } = await import("../machines/lifecycle.machine.ts"));
  ({ chartHarness } = await import("./support/model-chart-harness.ts"));
}

const REGISTERED = { running: { online: { session: "registered", liveness: "listening" } } };
const SILENT = "watch stream silent: no data from the agent for 5000 ms";

const heartbeat = {
  type: "heartbeat",
  connected: true,
  eventId: "7",
  message: "alive",
  service: "sidecar-agent",
  status: "ready",
  lifecycleState: "serving",
  ready: true,
  generatedAt: "2026-04-21T08:00:00Z",
};

describe("chart: the silence timer", () => {
  beforeAll(loadChart);

  it("takes the agent for hung after exactly the liveness timeout of silence", async () => {
    const h = await chartHarness().registered();
    h.clock.increment(4_999);
    expect(h.state()).toEqual(REGISTERED);
    h.clock.increment(1);
    expect(h.state()).toEqual({ running: "disconnected" });
    expect(h.actor.getSnapshot().context.status).toMatchObject({
      connected: false,
      registered: false,
      disconnectCount: 1,
      lastErrorKind: "watch_liveness",
      lastError: SILENT,
    });
    expect(h.reported.map((error) => error.message)).toEqual([SILENT]);
  });

  const proofs: [string, AnyEventObject][] = [
    ["bare activity", { type: "WATCH.ACTIVITY" }],
    ["a heartbeat", { type: "WATCH.HEARTBEAT", event: heartbeat }],
    [
      "a `connected`",
      {
        type: "WATCH.CONNECTED",
        event: { ...heartbeat, type: "connected", eventId: "8", message: "ok" },
      },
    ],
  ];
  it.each(proofs)("counts the silence again from %s", async (_, proof) => {
    const h = await chartHarness().registered();
    h.clock.increment(4_000);
    h.emit(proof);
    h.clock.increment(4_999); // 8999 ms since the stream opened, 4999 ms since the proof
    expect(h.actor.getSnapshot().context.status).toMatchObject({ disconnectCount: 0, lastErrorKind: "" });
    expect(h.reported).toEqual([]);
    h.clock.increment(1);
    expect(h.state()).toEqual({ running: "disconnected" });
    expect(h.actor.getSnapshot().context.status).toMatchObject({
      disconnectCount: 1,
      lastErrorKind: "watch_liveness",
      lastError: SILENT,
    });
  });

  it("does not time out a stream already lost while the register's answer is awaited", async () => {
    const h = await chartHarness().registered();
    h.agentConnected();
    h.emit({ type: "WATCH.FAILED", error: new Error("watch stream closed") });
    h.clock.increment(60_000);
    expect(h.state()).toEqual({
      running: { online: { session: { registering: "streamLost" }, liveness: "listening" } },
    });
    expect(h.actor.getSnapshot().context.status).toMatchObject({
      disconnectCount: 1,
      lastErrorKind: "runtime_error",
      lastError: "watch stream closed",
    });
    expect(h.reported.map((error) => error.message)).toEqual(["watch stream closed"]);
  });

  it("tells the watch to report bare activity at most once per tenth of the liveness timeout", () => {
    const inputs: unknown[] = [];
    const machine = lifecycleMachine.provide({
      actors: {
        watch: fromCallback(({ input }) => {
          inputs.push(input);
        }),
        register: fromPromise(() => new Promise<void>(() => undefined)),
      } as never,
    });
    const actor = createActor(machine, {
      input: { ...modelInput, timing: { ...modelInput.timing, livenessTimeout: 15_000 } },
      clock: new ModelClock(),
    });
    actor.start();
    actor.send({ type: "START" });
    expect(inputs).toEqual([{ activityInterval: 1_500 }]);
    actor.stop();
  });
});

describe("chart: events that move only the lastEvent* fields", () => {
  beforeAll(loadChart);

  it("a heartbeat keeps the registration and records the event, the agent's readiness with it", async () => {
    const h = await chartHarness().registered();
    const before = h.actor.getSnapshot().context.status;
    h.emit({ type: "WATCH.HEARTBEAT", event: heartbeat });
    expect(h.state()).toEqual(REGISTERED);
    expect(h.actor.getSnapshot().context.status).toEqual({
      ...before,
      lastEventType: "heartbeat",
      lastEventId: "7",
      lastEventAt: "2026-04-21T08:00:00Z",
      agentReady: true,
      agentStatus: "ready",
    });
    expect(h.calls.map((call) => call.id)).toEqual(["register"]);
  });

  it("an event observed by hand (OBSERVE_EVENT) is recorded the same way, before START too", async () => {
    const h = chartHarness();
    const before = h.actor.getSnapshot().context.status;
    h.send({ type: "OBSERVE_EVENT", event: { ...heartbeat, ready: false, status: "starting" } });
    expect(h.state()).toBe("idle");
    expect(h.actor.getSnapshot().context.status).toEqual({
      ...before,
      lastEventType: "heartbeat",
      lastEventId: "7",
      lastEventAt: "2026-04-21T08:00:00Z",
      agentReady: false,
      agentStatus: "starting",
    });
    await h.registered();
    const registered = h.actor.getSnapshot().context.status;
    h.send({ type: "OBSERVE_EVENT", event: { ...heartbeat, eventId: "9" } });
    expect(h.state()).toEqual(REGISTERED);
    expect(h.actor.getSnapshot().context.status).toEqual({
      ...registered,
      lastEventType: "heartbeat",
      lastEventId: "9",
      lastEventAt: "2026-04-21T08:00:00Z",
      agentReady: true,
      agentStatus: "ready",
    });
  });

  it("an error recorded by hand (RECORD_ERROR) changes only the last error", async () => {
    const h = await chartHarness().registered();
    const before = h.actor.getSnapshot().context.status;
    h.send({ type: "RECORD_ERROR", error: new Error("business check failed") });
    expect(h.state()).toEqual(REGISTERED);
    const after = h.actor.getSnapshot().context.status;
    expect(after).toEqual({
      ...before,
      lastErrorKind: "runtime_error",
      lastError: "business check failed",
      lastErrorAt: after.lastErrorAt,
    });
    expect(Number.isNaN(Date.parse(after.lastErrorAt))).toBe(false);
  });
});

describe("chart: an actor left unprovided names the misuse", () => {
  beforeAll(loadChart);

  const misuse = (name: string) =>
    `actor "${name}" is not provided: supply it with lifecycleMachine.provide()`;

  /** The chart with only `provided` supplied (`watch: true`: a watch the test drives). */
  function start({ watch = false, ...provided }: { watch?: boolean; register?: unknown }) {
    let emit: ((event: AnyEventObject) => void) | undefined;
    const drivenWatch = fromCallback(({ sendBack }) => {
      emit = sendBack;
    });
    const machine = lifecycleMachine.provide({
      actors: { ...(watch ? { watch: drivenWatch } : {}), ...provided } as never,
    });
    const actor = createActor(machine, {
      input: { ...modelInput, serverReady: true },
      clock: new ModelClock(),
    });
    const errors: unknown[] = [];
    actor.subscribe({ error: (error) => errors.push(error) });
    actor.start();
    actor.send({ type: "START" });
    return { actor, errors, emit: (event: AnyEventObject) => emit?.(event) };
  }
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  const accepted = fromPromise(async () => undefined);

  it("the watch: the lifecycle stops with the error", () => {
    const { actor, errors } = start({});
    expect(actor.getSnapshot().status).toBe("error");
    expect(errors.map((error) => (error as Error).message)).toEqual([misuse("watch")]);
  });

  it("the register: each attempt fails with the error, recorded as a register failure", async () => {
    const { actor, emit, errors } = start({ watch: true });
    emit({ type: "WATCH.CONNECTED", event: legacyConnectedEvent });
    await settle();
    expect(actor.getSnapshot().context.status).toMatchObject({
      registered: false,
      registerReplayFailureCount: 1,
      lastError: misuse("register"),
    });
    expect(errors).toEqual([]);
  });

  it("the drain: the way out records the error and retries", async () => {
    const { actor, emit } = start({ watch: true, register: accepted });
    emit({ type: "WATCH.CONNECTED", event: legacyConnectedEvent });
    await settle();
    actor.send({ type: "SHUTDOWN" });
    await settle();
    expect(actor.getSnapshot().value).toEqual({ stopping: "drainRetry" });
    expect(actor.getSnapshot().context.status.lastError).toBe(misuse("drain"));
  });

  it("the deregister: the way out records the error and retries", async () => {
    const { actor, emit } = start({ watch: true, register: accepted });
    emit({ type: "WATCH.CONNECTED", event: legacyConnectedEvent });
    await settle();
    actor.send({ type: "SERVER_EXITED" });
    await settle();
    expect(actor.getSnapshot().value).toEqual({ stopping: "deregisterRetry" });
    expect(actor.getSnapshot().context.status.lastError).toBe(misuse("deregister"));
  });
});
