import { connect } from "node:net";
import { createWebSocketInspector } from "@statelyai/inspect";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import { createActor, createMachine } from "xstate";
import { runInspectCommand } from "../src/inspector/command.ts";
import { connectInspector, InspectEnv, inspectorFromEnv } from "../src/inspector/connect.ts";
import { type InspectorServer, startInspectorServer } from "../src/inspector/server.ts";
import type { ServiceView } from "../src/inspector/sessions.ts";
import { createLifecycle, type Lifecycle } from "../src/lifecycle.ts";
import { freePort } from "../src/port-probe.ts";
import { TestAgent } from "./support/agent.ts";
import { quick, registration, serviceWhere, startServiceProcess } from "./support/inspector.ts";

/** Opens a socket to the inspector, sends `messages` and waits until the inspector closes it or took them. */
async function sendRaw(url: string, messages: string[]): Promise<void> {
  const socket = new WebSocket(url);
  socket.on("error", () => {});
  await new Promise((resolve) => socket.once("open", resolve));
  for (const message of messages) socket.send(message);
  // The inspector answers a ping only after the messages before it: then they are ingested.
  socket.ping();
  await new Promise((resolve) => {
    socket.once("pong", resolve);
    socket.once("close", resolve);
  });
  if (socket.readyState === WebSocket.CLOSED) return;
  socket.close();
  await new Promise((resolve) => socket.once("close", resolve));
}

describe("inspector server", () => {
  let server: InspectorServer;
  let agent: TestAgent;
  const lifecycles: Lifecycle[] = [];

  beforeEach(async () => {
    server = await startInspectorServer({ port: 0 });
    agent = await TestAgent.start();
  });

  afterEach(async () => {
    delete process.env[InspectEnv];
    await Promise.allSettled(lifecycles.splice(0).map((lifecycle) => lifecycle.shutdown()));
    await agent.close();
    await server.close();
  });

  it("follows a lifecycle streamed by @statelyai/inspect's own createWebSocketInspector", async () => {
    const inspector = createWebSocketInspector({ url: server.wsURL });
    const lifecycle = createLifecycle(registration("auth", 9090), {
      ...quick,
      baseURL: agent.url,
      inspect: inspector.inspect,
    });
    lifecycles.push(lifecycle);
    lifecycle.start();

    const service = await serviceWhere(server.sessions, (s) => s.state === "registered", "registered");
    // @statelyai/inspect's own inspector announces no process: the name comes from the context.
    expect(service).toMatchObject({
      name: "auth:9090",
      machine: "lifecycle",
      connected: true,
      health: "ok",
      pid: null,
      sessionId: "x:0",
    });
    expect(service.status).toMatchObject({ connected: true, registered: true, lastServiceName: "auth" });
    expect(service.active).toContain("lifecycle.running.online.session.registered");
    expect(service.active).toContain("lifecycle.running.online.liveness.listening");
    expect(service.log.map(({ from, event, to }) => `${from} -${event}-> ${to}`)).toEqual([
      "null -start-> idle",
      "idle -START-> connecting",
      "connecting -WATCH.CONNECTED-> connected",
      "connected -done: register-> registered",
    ]);
    await lifecycle.shutdown();
    await serviceWhere(server.sessions, (s) => s.state === "deregistered", "deregistered");
    inspector.stop();
  });

  it(`streams to ${InspectEnv} and lets go of the socket once the lifecycle is done`, async () => {
    process.env[InspectEnv] = server.wsURL;
    const healths: string[] = [];
    server.sessions.subscribe(({ service }) => {
      if (healths.at(-1) !== service.health) healths.push(service.health);
    });
    const lifecycle = createLifecycle(registration("billing", 7070), { ...quick, baseURL: agent.url });
    lifecycles.push(lifecycle);
    lifecycle.start();
    const billing = await serviceWhere(
      server.sessions,
      (s) => s.name === "billing:7070" && s.state === "registered",
      "billing",
    );
    // This process announced itself on the connection.
    expect(billing.pid).toBe(process.pid);

    await agent.restart(30);
    const again = await serviceWhere(
      server.sessions,
      (s) => s.log.filter((entry) => entry.to === "registered").length === 2,
      "registered again after the agent restart",
    );
    expect(again.log.map((entry) => entry.to)).toContain("disconnected");
    // The health the page colours its badge by: the lifecycle's, through the disconnect.
    expect(healths.slice(0, 3)).toEqual(["off", "pending", "ok"]);
    expect(healths.slice(3)).toContain("down");
    expect(healths.at(-1)).toBe("ok");

    await lifecycle.shutdown();
    const gone = await serviceWhere(server.sessions, (s) => !s.connected, "the service's socket closing");
    expect(gone.state).toBe("deregistered");
  });

  it("keeps service processes apart (every process's root is x:0): one entry each, a restart a new entry beside the old", async () => {
    const a = startServiceProcess("svcA", 9093, agent.url, server.wsURL);
    const b = startServiceProcess("svcB", 9094, agent.url, server.wsURL);
    const registered = (pid: number) => (s: ServiceView) => s.pid === pid && s.state === "registered";
    const seenA = await serviceWhere(server.sessions, registered(a.pid), "svcA registered");
    const seenB = await serviceWhere(server.sessions, registered(b.pid), "svcB registered");
    expect(seenA).toMatchObject({ name: "svcA:9093", sessionId: "x:0", connected: true });
    expect(seenB).toMatchObject({ name: "svcB:9094", sessionId: "x:0", connected: true });
    expect(seenA.id).not.toBe(seenB.id);
    const path = ["idle", "connecting", "connected", "registered"];
    expect(seenB.log.map((entry) => entry.to)).toEqual(path);

    expect(await a.stop()).toBe(0);
    await serviceWhere(server.sessions, (s) => s.id === seenA.id && !s.connected, "svcA's socket closing");
    const restarted = startServiceProcess("svcA", 9093, agent.url, server.wsURL);
    const again = await serviceWhere(server.sessions, registered(restarted.pid), "svcA registered again");
    expect(again.id).not.toBe(seenA.id);
    expect(again.log.map((entry) => entry.to)).toEqual(path);
    // Both processes started at once: which one's entry came first is theirs to race.
    const entries = server.sessions
      .list()
      .sort((x, y) => x.name.localeCompare(y.name) || x.connection - y.connection);
    expect(entries.map((s) => [s.name, s.pid, s.connected])).toEqual([
      ["svcA:9093", a.pid, false],
      ["svcA:9093", restarted.pid, true],
      ["svcB:9094", b.pid, true],
    ]);
  }, 60_000);

  it("shows the final state of a service that exits the moment shutdown() resolves (README's usage)", async () => {
    const service = startServiceProcess("exiting", 9095, agent.url, server.wsURL);
    await serviceWhere(
      server.sessions,
      (s) => s.pid === service.pid && s.state === "registered",
      "registered",
    );
    expect(await service.stop()).toBe(0);
    expect(service.output()).toContain("final deregistered");
    const gone = await serviceWhere(
      server.sessions,
      (s) => s.pid === service.pid && !s.connected,
      "its socket closing",
    );
    expect(gone.state).toBe("deregistered");
    expect(gone.status).toMatchObject({ registered: false, connected: false });
    expect(gone.log.at(-1)).toMatchObject({ to: "deregistered" });
  }, 30_000);

  it(`rejects a ${InspectEnv} that is not a ws:// URL, naming the variable`, () => {
    expect(() => inspectorFromEnv(() => {}, { [InspectEnv]: "http://127.0.0.1:1" })).toThrow(
      /SIDECAR_LIFECYCLE_INSPECT must be a ws:\/\/ or wss:\/\/ URL, got "http:\/\/127.0.0.1:1"/,
    );
    expect(() => inspectorFromEnv(() => {}, { [InspectEnv]: "not a url" })).toThrow(TypeError);
    expect(inspectorFromEnv(() => {}, {})).toBeUndefined();
  });

  it("keeps services apart and ignores what is not an inspection event", async () => {
    const socket = new WebSocket(server.wsURL);
    await new Promise((resolve) => socket.once("open", resolve));
    socket.send("not json");
    socket.send(JSON.stringify({ type: "@xstate.snapshot", sessionId: "x:1", snapshot: { value: "a" } }));
    for (const [name, port] of [
      ["a", 1],
      ["b", 2],
    ] as const) {
      const inspector = createWebSocketInspector({ url: server.wsURL });
      const lifecycle = createLifecycle(registration(name, port), {
        ...quick,
        baseURL: agent.url,
        inspect: inspector.inspect,
      });
      lifecycles.push(lifecycle);
      lifecycle.start();
    }
    await serviceWhere(server.sessions, (s) => s.name === "a:1" && s.state === "registered", "a");
    await serviceWhere(server.sessions, (s) => s.name === "b:2" && s.state === "registered", "b");
    expect(
      server.sessions
        .list()
        .map((s) => s.name)
        .sort(),
    ).toEqual(["a:1", "b:2"]);

    // A service whose `@xstate.actor` was lost (it queued past its limit) is adopted from its snapshots.
    const context = { request: { name: "late", port: 5 }, status: { registered: true } };
    socket.send(
      JSON.stringify({ type: "@xstate.snapshot", sessionId: "x:2", snapshot: { value: "idle", context } }),
    );
    const late = await serviceWhere(server.sessions, (s) => s.sessionId === "x:2", "the late service");
    expect(late).toMatchObject({ name: "late:5", state: "idle", status: { registered: true } });
    socket.close();
  });

  it("survives whatever a socket sends: bad JSON, wrong shapes, oversized frames", async () => {
    const hostile = [
      "null",
      "5",
      "[]",
      JSON.stringify({ sessionId: "h:1", snapshot: null }),
      JSON.stringify({ type: "@xstate.actor", sessionId: "h:2", snapshot: { context: "text" } }),
      JSON.stringify({ type: "@xstate.snapshot", sessionId: "h:2", snapshot: { value: null } }),
      JSON.stringify({ type: "@xstate.snapshot", sessionId: "h:2", snapshot: { value: {}, context: 1 } }),
      JSON.stringify({ type: "@xstate.snapshot", sessionId: "h:2", snapshot: { value: { a: [1] } } }),
      `{"type":"@xstate.snapshot","sessionId":"h:2","snapshot":{"value":${'{"a":'.repeat(5_000)}"x"${"}".repeat(5_000)}}}`,
    ];
    for (const message of hostile) await sendRaw(server.wsURL, [message]);
    await sendRaw(server.wsURL, ["x".repeat(5 * 1024 * 1024)]); // past maxPayload: ws closes the socket

    await serviceWhere(server.sessions, (s) => !s.connected, "the last hostile socket closing");
    expect(server.sessions.list().map((s) => [s.sessionId, s.state, s.connected])).toEqual([
      ["h:2", null, false],
    ]);
    const page = await fetch(new URL("/chart.json", server.url));
    expect(page.status).toBe(200);
    await page.arrayBuffer();
  });

  it("refuses WebSocket connections from web pages (they send an Origin; services do not)", async () => {
    const socket = new WebSocket(server.wsURL, { origin: "https://example.com" });
    const refused = await new Promise<Error>((resolve) => socket.once("error", resolve));
    expect(refused.message).toMatch(/401/);
  });

  it("answers pages only under a loopback name, and a bad request target with 400", async () => {
    const { port } = new URL(server.url);
    const answer = (target: string, hostHeader: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), "127.0.0.1", () =>
          socket.write(`GET ${target} HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: close\r\n\r\n`),
        );
        let text = "";
        socket.on("data", (chunk) => {
          text += chunk.toString();
        });
        socket.on("end", () => resolve(text.split("\r\n")[0] ?? ""));
        socket.on("error", reject);
      });
    expect(await answer("/chart.json", `127.0.0.1:${port}`)).toBe("HTTP/1.1 200 OK");
    expect(await answer("/chart.json", `localhost:${port}`)).toBe("HTTP/1.1 200 OK");
    expect(await answer("/chart.json", `rebound.example:${port}`)).toBe("HTTP/1.1 403 Forbidden");
    expect(await answer("http://[", `127.0.0.1:${port}`)).toBe("HTTP/1.1 400 Bad Request");
  });

  it("stays bounded: at most 50 services (the newest kept) and 500 log rows per service", async () => {
    const actor = (id: string) => JSON.stringify({ type: "@xstate.actor", sessionId: id, snapshot: {} });
    const snapshot = (n: number) =>
      JSON.stringify({ type: "@xstate.snapshot", sessionId: "s:60", snapshot: { value: n % 2 ? "a" : "b" } });
    const messages = Array.from({ length: 60 }, (_, i) => actor(`s:${i + 1}`));
    messages.push(...Array.from({ length: 600 }, (_, n) => snapshot(n)));
    const removed: string[] = [];
    server.sessions.subscribe((update) => update.removed && removed.push(update.service.sessionId));
    await sendRaw(server.wsURL, messages);

    const ids = server.sessions.list().map((s) => s.sessionId);
    expect(ids).toHaveLength(50);
    expect(ids.at(-1)).toBe("s:60");
    // The oldest go, and the page is told (it drops them from its picker).
    expect(removed).toEqual(Array.from({ length: 10 }, (_, i) => `s:${i + 1}`));
    const busy = server.sessions.list().find((s) => s.sessionId === "s:60");
    expect(busy?.log).toHaveLength(500);
    expect(busy?.log.at(-1)).toMatchObject({ from: "b", to: "a" });
  });

  it("serves the page, its script, elkjs's browser build, the chart and a live event stream", async () => {
    for (const path of ["/", "/page.js", "/style.css", "/vendor/elk.bundled.js", "/chart.json"]) {
      const response = await fetch(new URL(path, server.url));
      expect(response.status, path).toBe(200);
      await response.arrayBuffer();
    }
    const chart = (await (await fetch(new URL("/chart.json", server.url))).json()) as { leaves: string[] };
    expect(chart.leaves).toContain("lifecycle.running.online.session.registered");
    expect((await fetch(new URL("/nope", server.url))).status).toBe(404);

    const controller = new AbortController();
    const events = await fetch(new URL("/events", server.url), { signal: controller.signal });
    expect(events.headers.get("content-type")).toBe("text/event-stream");
    const reader = (events.body as ReadableStream<Uint8Array>).getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toBe("event: services\ndata: []\n\n");
    controller.abort();
  });
});

describe("connectInspector", () => {
  it("stamps each event with the time it happened, also events queued before the inspector was reachable", async () => {
    const port = await freePort();
    const inspector = connectInspector(`ws://127.0.0.1:${port}`, () => {});
    const machine = createMachine({ id: "clock", initial: "a", states: { a: { on: { GO: "b" } }, b: {} } });
    const actor = createActor(machine, { inspect: inspector.inspect });
    const before = Date.now();
    actor.start();
    actor.send({ type: "GO" });
    const after = Date.now();
    // Until the clock moves on, a stamp taken on arrival could not be told from one taken now.
    while (Date.now() <= after + 1) {}

    const late = await startInspectorServer({ port });
    try {
      const clock = await serviceWhere(
        late.sessions,
        (s) => s.machine === "clock" && s.state === "b",
        "clock in b",
      );
      expect(clock.log.map((entry) => entry.to)).toEqual(["a", "b"]);
      for (const entry of clock.log) {
        expect(entry.time).toBeGreaterThanOrEqual(before);
        expect(entry.time).toBeLessThanOrEqual(after);
      }
    } finally {
      actor.stop();
      inspector.stop();
      await late.close();
    }
  });

  it("flush() does not wait out its bound when nothing can go out: the inspector refuses the socket", async () => {
    const away = connectInspector(`ws://127.0.0.1:${await freePort()}`, () => {});
    const actor = createActor(createMachine({ id: "lonely" }), { inspect: away.inspect }).start();
    // A bound past the test's own timeout: resolving at all means it saw the refusal.
    await away.flush(600_000);
    actor.stop();
    away.stop();
  });

  it("warns once, not once per event, while the inspector is unreachable", async () => {
    const url = `ws://127.0.0.1:${await freePort()}/`;
    const warnings: string[] = [];
    const inspector = connectInspector(url, (message) => warnings.push(message));
    const actor = createActor(createMachine({ on: { PING: {} } }), { inspect: inspector.inspect }).start();
    // Past the 1000 queued events the oldest go: keep sending until that is said.
    await vi.waitFor(
      () => {
        for (let i = 0; i < 500; i++) actor.send({ type: "PING" });
        expect(warnings.length).toBeGreaterThan(0);
      },
      { timeout: 5_000, interval: 5 },
    );
    for (let i = 0; i < 2_000; i++) actor.send({ type: "PING" });
    // @statelyai/inspect hands each event on from a 0 ms timer: two turns of the timer queue later
    // every one of them reached the socket's queue.
    for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setTimeout(resolve, 0));
    expect(warnings).toEqual([`inspector ${url} unreachable: dropping oldest events`]);
    actor.stop();
    inspector.stop();
  });
});

describe("sidecar-lifecycle inspect", () => {
  it("prints the page and the address services point at, and stops on its signal", async () => {
    const lines: string[] = [];
    const controller = new AbortController();
    const done = runInspectCommand(["--port", "0"], {
      signal: controller.signal,
      out: (line) => {
        lines.push(line);
        if (lines.length === 3) controller.abort();
      },
    });
    await expect(done).resolves.toBe(0);
    expect(lines[0]).toMatch(/^inspector: http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(lines[1]).toMatch(/^services: SIDECAR_LIFECYCLE_INSPECT=ws:\/\/127\.0\.0\.1:\d+$/);
    expect(lines[2]).toBe(
      "The service needs the optional peer @statelyai/inspect installed (npm install @statelyai/inspect).",
    );
  });

  it("names a bad --port", async () => {
    await expect(runInspectCommand(["--port", "http"])).rejects.toThrow(
      '--port must be an integer from 0 to 65535, got "http"',
    );
  });
});
