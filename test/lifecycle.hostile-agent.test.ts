/**
 * Agents that misbehave on purpose (issue 10, defects 1 and 2), over real loopback sockets: a flood
 * of `connected` frames while a register is in flight, a flood on the way out against a hung agent,
 * and a flapping agent that says `connected` and drops the stream at once. What is checked is
 * what the agent saw (registers, watch requests, abandoned calls) and the chart's status; time is
 * only ever simulated.
 */
import { setImmediate as turn } from "node:timers/promises";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SimulatedClock } from "xstate";
import { ShutdownTimeoutError } from "../src/errors.ts";
import type { Lifecycle } from "../src/lifecycle.ts";
import { legacyConnected, type WatchScript } from "./support/agent.ts";
import { authWireBody } from "./support/fixtures.ts";
import { heapAfterGC } from "./support/heap.ts";
import {
  advanceUntil,
  countEvents,
  rejectionOf,
  useAgent,
  waitForStatus,
} from "./support/lifecycle-harness.ts";

const h = useAgent();

const connectedFrame = (id: number) => `id: ${id}\nevent: connected\ndata: ok\n\n`;
const accepted = { status: 200, body: {} };

/** The watch failed while the register was in flight: the chart awaits its answer. */
function inStreamLost(lifecycle: Lifecycle): boolean {
  return lifecycle.actor
    .getSnapshot()
    .matches({ running: { online: { session: { registering: "streamLost" } } } });
}

/** Moves the simulated clock 1 ms at a time, letting real I/O run between steps, until `check` holds. */
async function stepUntil(clock: SimulatedClock, check: () => boolean, what: string, maxMs: number) {
  const start = clock.now();
  while (!check()) {
    if (clock.now() - start >= maxMs) throw new Error(`simulated ${maxMs} ms without ${what}`);
    clock.increment(1);
    await turn();
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("lifecycle: a flood of connected frames", () => {
  it("keeps the register in flight through 1,000 connected frames and replays exactly once after it", async () => {
    h.agent.respond["/register"] = () => "hold";
    const lifecycle = h.start({ clock: new SimulatedClock() });
    await h.agent.until(() => h.agent.held("/register") === 1, "the first register to be held");
    const connectedEvents = countEvents(lifecycle, "WATCH.CONNECTED");

    await h.agent.flood(connectedFrame, 1_000, 100);
    await waitForStatus(lifecycle, (s) => s.lastEventId === "1000", "the 1,000th connected frame");
    expect(connectedEvents()).toBe(1_000);
    // Still the one register, still held: no connected cancelled it or sent another.
    expect(h.agent.callsTo("/register")).toHaveLength(1);
    expect(h.agent.held("/register")).toBe(1);
    expect(lifecycle.status()).toMatchObject({
      state: "connected",
      registered: false,
      registerReplayCount: 0,
    });

    delete h.agent.respond["/register"];
    h.agent.answerHeld("/register", accepted);
    const final = await waitForStatus(
      lifecycle,
      (s) => s.state === "registered" && s.registerReplayCount === 2,
      "the held register and the one coalesced replay",
    );
    expect(final).toMatchObject({ connected: true, registered: true, registerReplayFailureCount: 0 });
    expect(h.agent.callsTo("/register").map((call) => call.body)).toEqual([authWireBody, authWireBody]);
    expect(h.agent.abandoned).toEqual([]);
  });

  it("stays within a bounded heap through 100,000 connected frames, with one register in flight", async () => {
    h.agent.respond["/register"] = () => "hold";
    // The held register must outlast the flood however slow the machine: its timeout is real time.
    const lifecycle = h.start({
      clock: new SimulatedClock(),
      requestTimeout: 60_000,
      shutdownTimeout: 120_000,
    });
    await h.agent.until(() => h.agent.held("/register") === 1, "the first register to be held");
    const before = heapAfterGC();

    await h.agent.flood(connectedFrame, 100_000, 10_000);
    await waitForStatus(
      lifecycle,
      (s) => s.lastEventId === "100000",
      "the 100,000th connected frame",
      60_000,
    );
    const grownMiB = (heapAfterGC() - before) / 2 ** 20;
    // Generous: what the flood may leave behind is one queued replay, not a call or a timer per frame.
    expect(grownMiB).toBeLessThan(50);
    expect(h.agent.callsTo("/register")).toHaveLength(1);

    delete h.agent.respond["/register"];
    h.agent.answerHeld("/register", accepted);
    await waitForStatus(
      lifecycle,
      (s) => s.state === "registered" && s.registerReplayCount === 2,
      "registered",
    );
    expect(h.agent.callsTo("/register")).toHaveLength(2);
  });

  it("settles shutdown() against a hung agent after a flood, destroying what is still open", async () => {
    const clock = new SimulatedClock();
    for (const path of ["/register", "/drain", "/deregister"] as const) h.agent.respond[path] = () => "hang";
    // Request timeouts run on the real clock: far past anything this test waits for.
    const lifecycle = h.start({ clock, shutdownTimeout: 20_000, requestTimeout: 15_000 });
    await h.agent.until(() => h.agent.callsTo("/register").length === 1, "the register to hang");
    await h.agent.flood(connectedFrame, 1_000, 100);
    await waitForStatus(lifecycle, (s) => s.lastEventId === "1000", "the 1,000th connected frame");

    const startedAt = clock.now();
    const failure = rejectionOf(lifecycle.shutdown());
    await h.agent.until(() => h.agent.callsTo("/drain").length === 1, "the drain to hang");
    // drainDeadline (10 s of a 20 s budget) cuts the hung drain; the deregister keeps the last 5 s.
    await stepUntil(clock, () => h.agent.callsTo("/deregister").length === 1, "the deregister", 20_000);
    await stepUntil(clock, () => lifecycle.state() === "deregistered", "the shutdown deadline", 20_000);
    expect(clock.now() - startedAt).toBe(20_000);

    const error = await failure;
    expect(error).toBeInstanceOf(ShutdownTimeoutError);
    expect(error).toMatchObject({ timeoutMs: 20_000, state: "deregistering" });
    // One call of each: the flood queued one replay, which a register that never settles never sends.
    expect(h.agent.calls.map((call) => call.path)).toEqual(["/register", "/drain", "/deregister"]);
    await h.agent.until(() => h.agent.abandoned.length === 3, "every hung call to be closed by the client");
    expect(h.agent.abandoned.map((call) => call.path)).toEqual(["/register", "/drain", "/deregister"]);
    await h.agent.until(() => h.agent.openConnections === 0, "every connection of the lifecycle to close");
  });
});

/** What the flapping agent does with each new stream. */
const flapping: [string, WatchScript][] = [
  ["ends the stream right after connected", { frames: [legacyConnected], end: true }],
  [
    "follows connected with a malformed frame",
    { frames: [legacyConnected, 'id: 2\nevent: heartbeat\ndata: {"event":"heartbeat",\n\n'] },
  ],
];

describe("lifecycle: a flapping agent", () => {
  it.each(flapping)("backs off from an agent that %s, and registers", async (_, script) => {
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    h.agent.watch = script;
    const clock = new SimulatedClock();
    const lifecycle = h.start({ clock });

    await advanceUntil(clock, lifecycle, () => clock.now() >= 10_000, "10 s of flapping");
    await waitForStatus(lifecycle, (s) => s.state === "disconnected", "the last stream to fail");
    // Reconnect waits with the jitter at 0.5 (machines/backoff.ts): a phase of 125 ms, three
    // periods of 225, then 90 % of each grown window (375, 562.5, 843.75 ms, then the 1,000 ms
    // cap): 337, 506, 759, then 900 each. Reconnects start at 125, 350, 575, 800, 1137, 1643,
    // 2402, then every 900 ms up to 9602: 7 + 8 = 15 reconnects after the first watch.
    expect(h.agent.watchRequests).toBe(1 + 15);
    const status = lifecycle.status();
    expect(status.disconnectCount).toBe(16);
    expect(status.registerReplayCount).toBeGreaterThanOrEqual(1);
    // Every register that was sent was answered and counted: none was undone by the stream ending.
    expect(status.registerReplayCount).toBe(h.agent.callsTo("/register").length);
    expect(h.agent.abandoned).toEqual([]);
  });

  it("counts a register accepted right after the stream ended, then replays on the next stream", async () => {
    h.agent.respond["/register"] = () => "hold";
    const clock = new SimulatedClock();
    const lifecycle = h.start({ clock });
    await h.agent.until(() => h.agent.held("/register") === 1, "the register to be held");

    h.agent.endStreams();
    await waitForStatus(lifecycle, () => inStreamLost(lifecycle), "the chart to await the register");
    expect(h.agent.held("/register")).toBe(1);

    delete h.agent.respond["/register"];
    h.agent.answerHeld("/register", accepted);
    const answered = await waitForStatus(
      lifecycle,
      (s) => s.registerReplayCount === 1,
      "the answer to count",
    );
    expect(answered).toMatchObject({
      state: "disconnected",
      connected: false,
      registered: false,
      lastServiceName: "auth",
      lastServicePort: 9090,
      disconnectCount: 1,
    });

    const replayed = await advanceUntil(clock, lifecycle, (s) => s.registered, "the replay").then(() =>
      lifecycle.status(),
    );
    expect(replayed).toMatchObject({ state: "registered", registerReplayCount: 2 });
    expect(h.agent.watchRequests).toBe(2);
    expect(h.agent.callsTo("/register")).toHaveLength(2);
    expect(h.agent.abandoned).toEqual([]);
  });
});
