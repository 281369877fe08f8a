/** Every way the watch stream fails leads back to a connected, re-registered service with no user action. */
import { describe, expect, it } from "vitest";
import { legacyConnected } from "./support/agent.ts";
import { authWireBody } from "./support/fixtures.ts";
import { recordStatuses, useAgent, waitForStatus } from "./support/lifecycle-harness.ts";

const h = useAgent();

describe("lifecycle: reconnect and replay", () => {
  it("replays the registration after an agent restart", async () => {
    const lifecycle = h.start({ reconnectInterval: 50 });
    await waitForStatus(lifecycle, (s) => s.registered, "registered");
    const seen = recordStatuses(lifecycle);

    await h.agent.restart(100);
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
    expect(replayed).toMatchObject({ state: "registered", connected: true, registered: true });
    expect(replayed.disconnectCount).toBeGreaterThanOrEqual(1);
    expect(h.agent.callsTo("/register").map((call) => call.body)).toEqual([authWireBody, authWireBody]);
  });

  it("counts a refused connection and keeps trying until the agent is up", async () => {
    const url = h.agent.url;
    await h.agent.close();
    const lifecycle = h.start({ baseURL: url, reconnectInterval: 20 });
    const refused = await waitForStatus(lifecycle, (s) => s.disconnectCount >= 2, "two refused attempts");
    expect(refused).toMatchObject({ connected: false, registered: false, lastErrorKind: "runtime_error" });
    expect(refused.lastError).toContain(`watch ${url}/watch: no answer from the agent`);

    await h.agent.listen();
    await waitForStatus(lifecycle, (s) => s.registered, "registered once the agent listens");
    expect(h.agent.callsTo("/register")).toHaveLength(1);
  });

  it("retries a /watch answered 503, registering nothing until the stream is up", async () => {
    h.agent.watch = { status: 503 };
    const lifecycle = h.start({ reconnectInterval: 20 });
    const failing = await waitForStatus(lifecycle, (s) => s.disconnectCount >= 2, "two 503 answers");
    expect(failing).toMatchObject({
      connected: false,
      registered: false,
      lastErrorKind: "watch_http_status",
      lastError: "watch answered HTTP 503 Service Unavailable",
    });
    expect(h.agent.watchRequests).toBeGreaterThanOrEqual(2);
    expect(h.agent.calls).toEqual([]);

    h.agent.watch = { frames: [legacyConnected] };
    const registered = await waitForStatus(lifecycle, (s) => s.registered, "registered after the 503s");
    expect(registered.lastErrorKind).toBe("watch_http_status");
  });

  it("drops a stream with a malformed JSON frame, reconnects and replays", async () => {
    const lifecycle = h.start({ reconnectInterval: 20 });
    await waitForStatus(lifecycle, (s) => s.registered, "registered");
    const seen = recordStatuses(lifecycle);

    h.agent.send('id: 3\nevent: heartbeat\ndata: {"event":"heartbeat",\n\n');
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
    const lifecycle = h.start({ reconnectInterval: 20 });
    await waitForStatus(lifecycle, (s) => s.registered, "registered");
    h.agent.endStreams();
    const replayed = await waitForStatus(lifecycle, (s) => s.registerReplayCount === 2, "the replay");
    expect(replayed).toMatchObject({ disconnectCount: 1, lastErrorKind: "watch_stream_closed" });
  });
});
