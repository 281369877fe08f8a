/**
 * Every way the watch stream fails leads back to a connected, re-registered service with no user
 * action. The reconnect backoff runs on a ModelClock fired by the test, so each scenario makes an
 * exact number of watch attempts and every count below is exact.
 */
import { describe, expect, it } from "vitest";
import type { Lifecycle } from "../src/lifecycle.ts";
import { ModelClock } from "../src/testing/clock.ts";
import { legacyConnected } from "./support/agent.ts";
import { authWireBody } from "./support/fixtures.ts";
import { recordStatuses, useAgent, waitForStatus } from "./support/lifecycle-harness.ts";

const h = useAgent();
const RECONNECT = "xstate.after.reconnectDelay.lifecycle.running.disconnected";

/** Waits until the `count`-th failed attempt is recorded, then lets the reconnect backoff run out. */
async function reconnectAfter(lifecycle: Lifecycle, clock: ModelClock, count: number): Promise<void> {
  await waitForStatus(
    lifecycle,
    (s) => s.state === "disconnected" && s.disconnectCount === count,
    `failed attempt ${count}`,
  );
  clock.expire(lifecycle.actor, RECONNECT);
}

describe("lifecycle: reconnect and replay", () => {
  it("replays the registration after an agent restart", async () => {
    const clock = new ModelClock();
    const lifecycle = h.start({ clock });
    await waitForStatus(lifecycle, (s) => s.registered, "registered");
    const seen = recordStatuses(lifecycle);

    await h.agent.restart(0);
    await reconnectAfter(lifecycle, clock, 1);
    const replayed = await waitForStatus(lifecycle, (s) => s.registerReplayCount === 2, "the replay");

    const dropped = seen.find((s) => s.disconnectCount === 1);
    expect(dropped).toMatchObject({
      state: "disconnected",
      connected: false,
      registered: false,
      lastErrorKind: "watch_stream_closed",
      lastError: "watch stream closed",
    });
    expect(dropped?.lastDisconnectedAt).not.toBe("");
    expect(replayed).toMatchObject({
      state: "registered",
      connected: true,
      registered: true,
      disconnectCount: 1,
    });
    expect(h.agent.callsTo("/register").map((call) => call.body)).toEqual([authWireBody, authWireBody]);
  });

  it("counts a refused connection and keeps trying until the agent is up", async () => {
    const url = h.agent.url;
    await h.agent.close();
    const clock = new ModelClock();
    const lifecycle = h.start({ baseURL: url, clock });
    await reconnectAfter(lifecycle, clock, 1);
    const refused = await waitForStatus(lifecycle, (s) => s.disconnectCount === 2, "two refused attempts");
    expect(refused).toMatchObject({ connected: false, registered: false, lastErrorKind: "runtime_error" });
    expect(refused.lastError).toContain(`watch ${url}/watch: no answer from the agent`);

    await h.agent.listen();
    await reconnectAfter(lifecycle, clock, 2);
    const registered = await waitForStatus(
      lifecycle,
      (s) => s.registered,
      "registered once the agent listens",
    );
    expect(registered.disconnectCount).toBe(2);
    expect(h.agent.callsTo("/register")).toHaveLength(1);
  });

  it("retries a /watch answered 503, registering nothing until the stream is up", async () => {
    h.agent.watch = { status: 503 };
    const clock = new ModelClock();
    const lifecycle = h.start({ clock });
    await reconnectAfter(lifecycle, clock, 1);
    const failing = await waitForStatus(lifecycle, (s) => s.disconnectCount === 2, "two 503 answers");
    expect(failing).toMatchObject({
      connected: false,
      registered: false,
      lastErrorKind: "watch_http_status",
      lastError: "watch answered HTTP 503 Service Unavailable",
    });
    expect(h.agent.watchRequests).toBe(2);
    expect(h.agent.calls).toEqual([]);

    h.agent.watch = { frames: [legacyConnected] };
    await reconnectAfter(lifecycle, clock, 2);
    const registered = await waitForStatus(lifecycle, (s) => s.registered, "registered after the 503s");
    expect(registered).toMatchObject({ lastErrorKind: "watch_http_status", disconnectCount: 2 });
    expect(h.agent.watchRequests).toBe(3);
  });

  it("drops a stream with a malformed JSON frame, reconnects and replays", async () => {
    const clock = new ModelClock();
    const lifecycle = h.start({ clock });
    await waitForStatus(lifecycle, (s) => s.registered, "registered");
    const seen = recordStatuses(lifecycle);

    h.agent.send('id: 3\nevent: heartbeat\ndata: {"event":"heartbeat",\n\n');
    await reconnectAfter(lifecycle, clock, 1);
    const replayed = await waitForStatus(lifecycle, (s) => s.registerReplayCount === 2, "the replay");

    const dropped = seen.find((s) => s.disconnectCount === 1);
    expect(dropped).toMatchObject({
      state: "disconnected",
      connected: false,
      lastErrorKind: "watch_event_parse",
    });
    expect(dropped?.lastError).toContain("watch event parse failed: type=heartbeat id=3");
    expect(replayed).toMatchObject({ state: "registered", disconnectCount: 1 });
    expect(h.agent.watchRequests).toBe(2);
  });

  it("drops a stream the agent ends cleanly (EOF) and replays on the next one", async () => {
    const clock = new ModelClock();
    const lifecycle = h.start({ clock });
    await waitForStatus(lifecycle, (s) => s.registered, "registered");
    h.agent.endStreams();
    await reconnectAfter(lifecycle, clock, 1);
    const replayed = await waitForStatus(lifecycle, (s) => s.registerReplayCount === 2, "the replay");
    expect(replayed).toMatchObject({ disconnectCount: 1, lastErrorKind: "watch_stream_closed" });
    expect(h.agent.watchRequests).toBe(2);
  });
});
