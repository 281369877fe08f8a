/** Controller, Runner, WatchSource and EventSource over real loopback agents. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ConnectionEvent } from "../machines/types.ts";
import {
  type Controller,
  ErrWatchStreamClosed,
  ErrWatchURLRequired,
  type EventSource,
  type JSONHTTPClient,
  newController,
  newJSONHTTPClient,
  newRunner,
  newServiceRegistrationProvider,
  newWatchSource,
  RegisterReplayError,
  WatchEventParseError,
  WatchHTTPStatusError,
} from "../src/index.ts";
import { TestAgent } from "./support/agent.ts";
import { authRegistration, fastOptions, untilState } from "./support/go-api.ts";
import { countEvents } from "./support/lifecycle-harness.ts";

let agent: TestAgent;
let client: JSONHTTPClient;
const controllers: Controller[] = [];

beforeEach(async () => {
  agent = await TestAgent.start();
  client = newJSONHTTPClient(agent.url, 1_000);
});
afterEach(async () => {
  for (const controller of controllers.splice(0)) await controller.shutdown().catch(() => {});
  await client.close();
  await agent.close();
});

async function controllerFor(port = 9090): Promise<Controller> {
  const { baseURL: _ignored, ...options } = fastOptions(agent);
  const controller = await newController(
    client,
    newServiceRegistrationProvider(authRegistration(port)),
    options,
  );
  controllers.push(controller);
  return controller;
}

function heartbeat(id: string): ConnectionEvent {
  return {
    type: "heartbeat",
    connected: true,
    eventId: id,
    message: "alive",
    service: "sidecar-agent",
    status: "ready",
    lifecycleState: "serving",
    ready: true,
    generatedAt: "2026-04-21T08:00:00.000Z",
  };
}

describe("Controller driven by hand", () => {
  it("drain and deregister before any register fail with Go's message, sending nothing", async () => {
    const controller = await controllerFor();
    await expect(controller.drain("1s")).rejects.toThrow("register request is not initialized");
    await expect(controller.deregister()).rejects.toThrow("register request is not initialized");
    expect(controller.lastRegisteredRequest()).toBeUndefined();
    expect(agent.calls).toEqual([]);
  });

  it("onConnected registers; observeEvent, recordError, onDisconnected only move the status", async () => {
    const controller = await controllerFor();
    await controller.onConnected();
    expect(agent.callsTo("/register")).toHaveLength(1);
    expect(controller.status()).toMatchObject({ state: "registered", connected: true, registered: true });
    expect(controller.lastRegisteredRequest()?.name).toBe("auth");

    controller.observeEvent(heartbeat("7"));
    expect(controller.status()).toMatchObject({
      lastEventType: "heartbeat",
      lastEventId: "7",
      lastEventAt: "2026-04-21T08:00:00.000Z",
      connected: true,
      lastDisconnectedAt: "",
    });

    controller.recordError(new Error("disk full"));
    expect(controller.status()).toMatchObject({ lastError: "disk full", lastErrorKind: "runtime_error" });

    controller.onDisconnected();
    expect(controller.status()).toMatchObject({
      state: "disconnected",
      connected: false,
      disconnectCount: 1,
      lastErrorKind: "watch_stream_closed",
    });

    await controller.onConnected(); // waits for the chart to be back online, then replays
    expect(controller.status()).toMatchObject({ state: "registered", registerReplayCount: 2 });
    expect(agent.callsTo("/register")).toHaveLength(2);
  });

  it("observeEvent: a burst in one turn is one chart step, read at once by status() and kept in order", async () => {
    const controller = await controllerFor();
    await controller.onConnected();
    const observed = countEvents(controller.lifecycle, "OBSERVE_EVENT");

    for (let id = 1; id <= 10_000; id += 1) controller.observeEvent(heartbeat(String(id)));
    // Said once, early in the burst: what later events leave unsaid is kept.
    controller.observeEvent({ ...heartbeat("10001"), ready: undefined, status: "" });
    expect(controller.status()).toMatchObject({
      lastEventId: "10001",
      agentReady: true,
      agentStatus: "ready",
      disconnectCount: 0,
    });
    expect(observed()).toBe(1);

    // Observed before a disconnect: recorded before it, not after.
    controller.observeEvent(heartbeat("10002"));
    controller.onDisconnected();
    expect(controller.status()).toMatchObject({
      lastEventId: "10002",
      state: "disconnected",
      disconnectCount: 1,
    });
    expect(observed()).toBe(2);

    // Nothing read it: it still reaches the chart at the end of the turn.
    controller.observeEvent(heartbeat("10003"));
    await new Promise((resolve) => setImmediate(resolve));
    expect(observed()).toBe(3);
    expect(controller.lifecycle.actor.getSnapshot().context.status.lastEventId).toBe("10003");
  });

  it("drain(gracePeriod) then deregister() use the last registered request", async () => {
    const controller = await controllerFor();
    await controller.onConnected();
    await controller.drain("300ms");
    expect(controller.status().state).toBe("drainHeld");
    expect(agent.callsTo("/drain").map((call) => call.body)).toEqual([
      { name: "auth", port: 9090, grace_period: "300ms" },
    ]);
    // Drained on request: no replay may undo the drain.
    await expect(controller.onConnected()).rejects.toThrow(
      "onConnected: the lifecycle is on its way out (state drainHeld)",
    );
    await controller.deregister();
    expect(agent.callsTo("/deregister").map((call) => call.body)).toEqual([{ name: "auth", port: 9090 }]);
    expect(controller.status()).toMatchObject({ state: "deregistered", registered: false });
    await expect(controller.drain()).rejects.toThrow("the lifecycle has already finished");
  });

  it("a refused register rejects onConnected with a RegisterReplayError naming the service", async () => {
    agent.respond["/register"] = () => ({ status: 400, body: { error: "dns is required" } });
    const controller = await controllerFor();
    const failure = await controller.onConnected().catch((error) => error);
    expect(failure).toBeInstanceOf(RegisterReplayError);
    expect(failure).toMatchObject({ serviceName: "auth", servicePort: 9090 });
    expect(failure.message).toContain("dns is required");
    expect(controller.status()).toMatchObject({
      registerReplayFailureCount: 1,
      lastErrorKind: "register_replay",
    });
  });
});

describe("WatchSource.subscribe", () => {
  it("yields connected, then a disconnected event with the error of each failed attempt, and reconnects", async () => {
    const source = newWatchSource(`${agent.url}/watch`, 30);
    const abort = new AbortController();
    const seen: ConnectionEvent[] = [];
    const reading = (async () => {
      for await (const event of source.subscribe(abort.signal)) {
        seen.push(event);
        if (seen.length === 1) agent.endStreams();
        if (seen.length === 3) {
          agent.watch = { status: 503 };
          agent.endStreams();
        }
        if (seen.length === 5) abort.abort();
      }
    })();
    await reading;
    expect(seen.map((event) => event.type)).toEqual([
      "connected",
      "disconnected",
      "connected",
      "disconnected",
      "disconnected",
    ]);
    expect(seen[1]?.err).toBeInstanceOf(ErrWatchStreamClosed);
    expect(seen[1]?.connected).toBe(false);
    expect(seen[3]?.err).toBeInstanceOf(ErrWatchStreamClosed);
    expect(seen[4]?.err).toBeInstanceOf(WatchHTTPStatusError);
  });

  it("a bad JSON frame is a disconnected event carrying the WatchEventParseError", async () => {
    agent.watch = { frames: ["id: 9\nevent: heartbeat\ndata: {oops\n\n"] };
    const abort = new AbortController();
    let event: ConnectionEvent | undefined;
    for await (const next of newWatchSource(`${agent.url}/watch`, 30).subscribe(abort.signal)) {
      event = next;
      abort.abort();
    }
    expect(event?.type).toBe("disconnected");
    expect(event?.err).toBeInstanceOf(WatchEventParseError);
    expect(event?.err).toMatchObject({ eventType: "heartbeat", eventId: "9", payload: "{oops" });
  });

  it("refuses an empty URL with ErrWatchURLRequired", () => {
    expect(() => newWatchSource(" ")).toThrow(ErrWatchURLRequired);
    expect(() => newWatchSource(" ")).toThrow("watch url is required");
  });

  it("a non-200 /watch is a WatchHTTPStatusError with the status code", async () => {
    agent.watch = { status: 503 };
    const abort = new AbortController();
    let event: ConnectionEvent | undefined;
    for await (const next of newWatchSource(`${agent.url}/watch`, 30).subscribe(abort.signal)) {
      event = next;
      abort.abort();
    }
    expect(event?.err).toBeInstanceOf(WatchHTTPStatusError);
    expect(event?.err).toMatchObject({ statusCode: 503, status: "503 Service Unavailable" });
  });
});

/** An EventSource scripted by the test: each subscribe() plays the next script, then idles. */
class ScriptedSource implements EventSource {
  subscriptions = 0;
  constructor(readonly scripts: Array<() => AsyncGenerator<ConnectionEvent>>) {}
  async *subscribe(signal: AbortSignal): AsyncGenerator<ConnectionEvent> {
    const script = this.scripts[this.subscriptions];
    this.subscriptions += 1;
    if (script) yield* script();
    await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
  }
}

function connected(): ConnectionEvent {
  return { ...heartbeat(""), type: "connected" };
}

describe("Runner over any EventSource", () => {
  it("registers on connected, reconnects after a disconnected event, records its error, replays", async () => {
    const lost = new Error("tunnel collapsed");
    const controller = await controllerFor();
    const source = new ScriptedSource([
      async function* () {
        yield connected();
        await untilState(controller.actor, "registered");
        yield heartbeat("1");
        yield { ...heartbeat(""), type: "disconnected", connected: false, err: lost };
      },
      async function* () {
        yield connected();
      },
    ]);
    const errors: Error[] = [];
    const runner = newRunner(source, controller, (error) => errors.push(error));
    const abort = new AbortController();
    const running = runner.run(abort.signal);
    await agent.until(() => agent.callsTo("/register").length === 2, "the replayed register");
    await untilState(controller.actor, "registered");
    expect(source.subscriptions).toBe(2);
    expect(errors).toEqual([lost]);
    expect(controller.status()).toMatchObject({
      disconnectCount: 1,
      registerReplayCount: 2,
      lastError: "tunnel collapsed",
    });
    abort.abort(); // the way out: drain, deregister
    await running;
    expect(agent.calls.map((call) => call.path)).toEqual(["/register", "/register", "/drain", "/deregister"]);
  });

  it("over a real WatchSource, replays the register after an agent restart", async () => {
    const controller = await controllerFor();
    const runner = newRunner(newWatchSource(`${agent.url}/watch`, 50), controller);
    const abort = new AbortController();
    const running = runner.run(abort.signal);
    await agent.until(() => agent.callsTo("/register").length === 1, "the first register");
    await agent.restart(20);
    await agent.until(() => agent.callsTo("/register").length === 2, "the replay after the restart");
    abort.abort();
    await running;
    expect(controller.status().state).toBe("deregistered");
  });
});
