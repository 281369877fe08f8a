/** Diagnostics channels (a transition channel, TracingChannels around the agent calls) and the typed events. */
import diagnostics from "node:diagnostics_channel";
import { describe, expect, it, onTestFinished } from "vitest";
import { TransitionChannel } from "../src/ops/channels.ts";
import type { LifecycleEventMap, TransitionInfo } from "../src/ops/events.ts";
import { useAgent, waitForStatus, within } from "./support/lifecycle-harness.ts";

const h = useAgent();
const quiet = { livenessTimeout: 600_000, shutdownTimeout: 600_000, drainDelay: 0 };

function subscribe(name: string, onMessage: (message: unknown) => void) {
  diagnostics.subscribe(name, onMessage);
  onTestFinished(() => {
    diagnostics.unsubscribe(name, onMessage);
  });
}

describe("diagnostics channels", () => {
  it("publishes every chart step on sidecar-lifecycle:transition with from, event, to and status", async () => {
    const steps: TransitionInfo[] = [];
    subscribe(TransitionChannel, (message) => steps.push(message as TransitionInfo));
    const lifecycle = h.start(quiet);
    await waitForStatus(lifecycle, (s) => s.registered, "registered");
    await within(lifecycle.shutdown(), "shutdown");
    const moves = steps
      .filter((step) => step.from !== step.to)
      .map((step) => `${step.from} -${step.event}-> ${step.to}`);
    expect(moves).toEqual([
      "idle -START-> connecting",
      "connecting -WATCH.CONNECTED-> connected",
      "connected -xstate.done.actor.register-> registered",
      "registered -SHUTDOWN-> draining",
      "draining -xstate.done.actor.drain-> drained",
      "drained -xstate.after.drainDelay.lifecycle.stopping.drained-> stoppingServer",
      "stoppingServer -xstate.done.actor.stopServer-> deregistering",
      "deregistering -xstate.done.actor.deregister-> deregistered",
    ]);
    expect(steps.at(-1)).toMatchObject({
      to: "deregistered",
      instance: "auth:9090",
      status: { state: "deregistered" },
    });
  });

  it("reports steps with their event to a subscriber or listener that comes after the start, from its next step", async () => {
    const lifecycle = h.start(quiet);
    await waitForStatus(lifecycle, (s) => s.registered, "registered");
    const published: TransitionInfo[] = [];
    subscribe(TransitionChannel, (message) => published.push(message as TransitionInfo));
    h.agent.send('id: 9\nevent: heartbeat\ndata: {"event":"heartbeat"}\n\n');
    await waitForStatus(lifecycle, (s) => s.lastEventId === "9", "the heartbeat");
    const heard: TransitionInfo[] = [];
    lifecycle.on("transition", (step) => heard.push(step));
    h.agent.send('id: 10\nevent: heartbeat\ndata: {"event":"heartbeat"}\n\n');
    await waitForStatus(lifecycle, (s) => s.lastEventId === "10", "the second heartbeat");
    await within(lifecycle.shutdown(), "shutdown");
    const moves = (steps: TransitionInfo[]) =>
      steps.map((step) => `${step.from} -${step.event}-> ${step.to}`);
    expect(moves(published).slice(0, 3)).toEqual([
      "registered -WATCH.HEARTBEAT-> registered",
      "registered -WATCH.HEARTBEAT-> registered",
      "registered -SHUTDOWN-> draining",
    ]);
    expect(moves(heard).slice(0, 2)).toEqual([
      "registered -WATCH.HEARTBEAT-> registered",
      "registered -SHUTDOWN-> draining",
    ]);
    expect(published.at(-1)?.to).toBe("deregistered");
    expect(heard).toEqual(published.slice(1));
  });

  it("traces register, drain and deregister with start/asyncEnd carrying the request", async () => {
    const seen: string[] = [];
    for (const call of ["register", "drain", "deregister"]) {
      for (const phase of ["start", "asyncEnd", "error"]) {
        subscribe(`tracing:sidecar-lifecycle:${call}:${phase}`, (message) => {
          const context = message as { instance: string; request: Record<string, unknown>; error?: Error };
          seen.push(`${call}:${phase} ${context.instance} ${Object.keys(context.request).sort().join(",")}`);
        });
      }
    }
    const lifecycle = h.start(quiet);
    await waitForStatus(lifecycle, (s) => s.registered, "registered");
    await within(lifecycle.shutdown(), "shutdown");
    const registerKeys = Object.keys(h.agent.callsTo("/register")[0]?.body ?? {}).length;
    expect(registerKeys).toBeGreaterThan(0);
    expect(seen).toEqual([
      "register:start auth:9090 appId,appName,dns,env,kernel,methods,name,namespace,port,protocol,version,weight",
      "register:asyncEnd auth:9090 appId,appName,dns,env,kernel,methods,name,namespace,port,protocol,version,weight",
      "drain:start auth:9090 gracePeriod,name,port",
      "drain:asyncEnd auth:9090 gracePeriod,name,port",
      "deregister:start auth:9090 name,port",
      "deregister:asyncEnd auth:9090 name,port",
    ]);
  });
});

describe("the agent's answer on the tracing channel", () => {
  it("carries the register answer's payload (the envelope's data) as the asyncEnd result", async () => {
    const results: unknown[] = [];
    subscribe("tracing:sidecar-lifecycle:register:asyncEnd", (message) => {
      results.push((message as { result?: unknown }).result);
    });
    h.agent.respond["/register"] = () => ({
      status: 200,
      body: {
        success: true,
        code: "register_ok",
        message: "ok",
        data: { instance_id: "auth-1", state: "Registered" },
      },
    });
    const lifecycle = h.start(quiet);
    await waitForStatus(lifecycle, (s) => s.registered, "registered");
    await within(lifecycle.shutdown(), "shutdown");
    expect(results).toEqual([{ instance_id: "auth-1", state: "Registered" }]);
  });
});

describe("typed events", () => {
  it("emits registered, disconnected, replayed, draining, deregistered and error with their payloads", async () => {
    const got: string[] = [];
    const lifecycle = h.start({ ...quiet, reconnectInterval: 10 });
    const record =
      <K extends keyof LifecycleEventMap>(name: K, describe: (payload: LifecycleEventMap[K]) => string) =>
      (payload: LifecycleEventMap[K]) =>
        got.push(`${name} ${describe(payload)}`);
    lifecycle.on(
      "registered",
      record("registered", (p) => `replay=${p.replay}`),
    );
    lifecycle.on(
      "replayed",
      record("replayed", (p) => `count=${p.count} latency ≥ 0: ${(p.latencyMs ?? -1) >= 0}`),
    );
    lifecycle.on(
      "disconnected",
      record("disconnected", (p) => `${p.kind} count=${p.count}`),
    );
    lifecycle.on(
      "draining",
      record("draining", (p) => p.gracePeriod),
    );
    lifecycle.on(
      "deregistered",
      record("deregistered", (p) => `error=${p.error}`),
    );
    lifecycle.on(
      "error",
      record("error", (p) => `${p.kind} in ${p.state}`),
    );
    const off = lifecycle.on("transition", () => {
      throw new Error("a listener that throws does not reach the chart");
    });

    await waitForStatus(lifecycle, (s) => s.registered, "registered");
    off();
    h.agent.endStreams();
    await waitForStatus(lifecycle, (s) => s.registered && s.registerReplayCount === 2, "the replay");
    await within(lifecycle.shutdown(), "shutdown");
    expect(got).toEqual([
      "registered replay=false",
      "error watch_stream_closed in registered", // the state it was recorded in
      "disconnected watch_stream_closed count=1",
      "registered replay=true",
      "replayed count=1 latency ≥ 0: true",
      "draining 20s",
      "deregistered error=null",
    ]);
  });
});
