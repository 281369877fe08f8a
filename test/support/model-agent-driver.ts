/**
 * The real layer's driver: `createLifecycle` (undici, eventsource-parser, real sockets) against a
 * loopback TestAgent, timers on a ModelClock. Every cause has a real one here: the agent writes
 * the frame, ends the stream, answers 503 / 400 / 500, stays silent, restarts on the same port;
 * the business server's stop settles; the service calls the lifecycle. The agent holds every
 * request until the step that answers it, so nothing moves unless the path says so. After every
 * step, besides the model's expectations, the properties of src/testing/properties.ts over what the
 * agent received, what `onError` got and what `status()` says.
 */
import { deepStrictEqual } from "node:assert/strict";
import type { AnyMachineSnapshot } from "xstate";
import { lifecycleStateName } from "../../machines/state-name.ts";
import type { Registration, Status } from "../../machines/types.ts";
import type { Lifecycle, LifecycleStatus } from "../../src/lifecycle.ts";
import { type AgentCallPath, LifecycleProperties } from "../../src/testing/properties.ts";
import {
  generatedAt,
  type LifecycleDriver,
  type LifecycleModel,
  ModelClock,
  type ModelStep,
} from "../../src/testing.ts";
import { type RecordedCall, TestAgent } from "./agent.ts";
import type { ContractUnderTest } from "./contracts.ts";

interface Harness {
  readonly agent: TestAgent;
  readonly contract: ContractUnderTest;
  readonly lifecycle: Lifecycle<unknown>;
  readonly clock: ModelClock;
  /** Settles the business server's pending stop. */
  stopServer?: { resolve(): void; reject(error: Error): void };
  /** `lifecycle.shutdown()`, once called: its outcome. */
  shutdown?: Promise<{ status: LifecycleStatus } | { error: unknown }>;
}

type Exec = (harness: Harness, step: ModelStep) => void | Promise<void>;

/** A structured agent frame (protocol.md, kind 2), id and generated_at from the step. */
function frame(type: "connected" | "heartbeat", seq: number): string {
  const data = {
    event: type,
    message: "alive",
    service: "sidecar-agent",
    status: "ready",
    lifecycle_state: "serving",
    ready: true,
    generated_at: generatedAt(seq),
  };
  return `id: ${seq}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Writes on the watch stream; a stream still waiting for headers gets them with the text. */
function stream(agent: TestAgent, raw: string): void {
  if (agent.held("/watch") > 0) {
    agent.answerHeld("/watch", { frames: raw ? [raw] : [] });
    return;
  }
  if (agent.openStreams !== 1) throw new Error(`expected one open watch stream, found ${agent.openStreams}`);
  agent.send(raw);
}

const answer =
  (path: "/register" | "/drain" | "/deregister", status: number, body: unknown): Exec =>
  ({ agent }) =>
    agent.answerHeld(path, { status, body });
const notFound =
  (path: "/drain" | "/deregister"): Exec =>
  ({ agent, contract }) =>
    agent.answerHeld(path, { status: 400, body: { error: contract.notFound } });
const send: Exec = ({ lifecycle }, { event }) => {
  lifecycle.actor.send(event as never);
};

/** One entry per non-timer cause of the model; a cause without one fails its paths by name. */
export const realCauses: Readonly<Record<string, Exec>> = {
  START: ({ lifecycle }) => lifecycle.start(),
  "START.serverReady": send,
  "START.serverNotReady": send,
  SERVER_READY: ({ lifecycle }) => lifecycle.serverReady(),
  SHUTDOWN: (harness) => {
    harness.shutdown = harness.lifecycle.shutdown().then(
      (status) => ({ status }),
      (error: unknown) => ({ error }),
    );
  },
  DRAIN: send,
  DEREGISTER: send,
  SERVER_EXITED: send,
  FORCE: send,
  RECORD_ERROR: send,
  OBSERVE_EVENT: send,
  "frame.connected": ({ agent }, { index }) => stream(agent, frame("connected", index)),
  "frame.heartbeat": ({ agent }, { index }) => stream(agent, frame("heartbeat", index)),
  "frame.comment": ({ agent }) => stream(agent, ": heartbeat\n\n"),
  "frame.malformed": ({ agent }, { index }) =>
    stream(agent, `id: ${index}\nevent: heartbeat\ndata: {"event":"heartbeat","message":\n\n`),
  "stream.end": ({ agent }) => {
    stream(agent, "");
    agent.endStreams();
  },
  "watch.503": ({ agent }) => agent.answerHeld("/watch", { status: 503 }),
  "agent.restart": ({ agent }) => agent.restart(),
  "register.accepted": answer("/register", 200, {
    success: true,
    code: "OK",
    message: "registered",
    data: { instance_id: "auth-9090", state: "Registered" },
    generated_at: "2026-04-21T08:00:00Z",
  }),
  "register.refused": answer("/register", 500, { error: "xds refresh failed" }),
  "drain.found": answer("/drain", 200, {}),
  "drain.notFound": notFound("/drain"),
  "drain.failed": answer("/drain", 500, { error: "consul maintenance failed" }),
  "deregister.accepted": answer("/deregister", 200, {}),
  "deregister.notFound": notFound("/deregister"),
  "deregister.failed": answer("/deregister", 500, { error: "consul deregister failed" }),
  "stopServer.done": (harness) => harness.stopServer?.resolve(),
  "stopServer.failed": (harness) =>
    harness.stopServer?.reject(new Error("business server did not stop: 3 connections open")),
};

/** What the agent must have received for an actor the chart started (nothing for the others). */
function callFor(contract: ContractUnderTest, id: string, input: unknown): RecordedCall | undefined {
  const { registration, gracePeriod } = (input ?? {}) as {
    registration?: Registration;
    gracePeriod?: string;
  };
  switch (id) {
    case "register":
      deepStrictEqual(registration, contract.registration);
      return { path: "/register", body: contract.registerBody as Record<string, unknown> };
    case "drain":
      return { path: "/drain", body: contract.drainBody(gracePeriod ?? "") as Record<string, unknown> };
    case "deregister":
      return { path: "/deregister", body: contract.deregisterBody as Record<string, unknown> };
    default:
      return undefined;
  }
}

export async function startAgentDriver(
  model: LifecycleModel,
  contract: ContractUnderTest,
): Promise<LifecycleDriver> {
  const agent = await TestAgent.start();
  agent.watch = "hold";
  for (const path of ["/register", "/drain", "/deregister"] as const) agent.respond[path] = () => "hold";
  const clock = new ModelClock();
  const { timing, gracePeriod, serverReady } = model.input;
  const reported: Error[] = [];
  let serverStops = 0;
  const created = contract.create(agent.url, {
    clock,
    gracePeriod,
    serverReady,
    ...timing,
    onError: (error) => reported.push(error),
    stopServer: () =>
      new Promise<void>((resolve, reject) => {
        serverStops += 1;
        harness.stopServer = { resolve, reject };
      }),
  });
  const properties = new LifecycleProperties(timing);
  const adminPaths = ["/register", "/drain", "/deregister"] as const;
  const inFlight = () => adminPaths.reduce((sum, path) => sum + agent.held(path), 0);
  const harness: Harness = { agent, contract, clock, lifecycle: created.lifecycle };
  deepStrictEqual(harness.lifecycle.options.timing, timing);
  const calls: RecordedCall[] = [];
  let watches = 0;

  return {
    actor: harness.lifecycle.actor,
    // Every chunk of bytes from the agent is activity: headers, frames and comments alike.
    incidental: ["WATCH.ACTIVITY"],
    async cause(step) {
      if (step.cause.origin === "timer") {
        clock.expire(harness.lifecycle.actor, step.event.type);
        return;
      }
      const exec = realCauses[step.cause.name];
      if (!exec) throw new Error(`cause ${step.cause.name} has no real-layer executor in realCauses`);
      if (step.cause.origin === "actor" && step.cause.source === "stopServer" && !harness.stopServer) {
        throw new Error("the business server's stop was never called");
      }
      await exec(harness, step);
      if (step.cause.source === "stopServer") harness.stopServer = undefined;
    },
    async check(step, observed: AnyMachineSnapshot) {
      for (const { id, input } of step.starts) {
        const call = callFor(contract, id, input);
        if (call) calls.push(call);
        if (id === "watch") watches += 1;
      }
      await agent.until(
        () => agent.calls.length >= calls.length && agent.watchRequests >= watches,
        `${calls.length} calls and ${watches} watch requests`,
      );
      deepStrictEqual(agent.calls, calls, "calls the agent received");
      deepStrictEqual(agent.watchRequests, watches, "watch requests the agent received");
      if (step.starts.some(({ id }) => id === "stopServer") && !harness.stopServer) {
        throw new Error("the chart entered stoppingServer but the business server's stop was not called");
      }
      // The handle reads the same snapshot the chart reached.
      const state = lifecycleStateName(observed.value);
      deepStrictEqual(
        harness.lifecycle.status(),
        { ...observed.context.status, state },
        "lifecycle.status()",
      );
      // A call the chart cut (its actor stopped) closes its socket; the agent sees that a moment later.
      await agent.until(() => inFlight() <= 1, "at most one agent call in flight").catch(() => undefined);
      const status = harness.lifecycle.status();
      properties.check({
        step,
        status: status as Status,
        state: status.state,
        done: observed.status === "done",
        outputError: (observed.output as { error?: Error | null } | undefined)?.error ?? null,
        calls: agent.calls.map((call) => call.path as AgentCallPath),
        inFlight: inFlight(),
        reported,
        serverStops,
        now: clock.elapsed,
        fired: step.cause.origin === "timer" ? clock.lastExpired : undefined,
        pending: clock.pending(),
      });
      if (observed.status === "done" && harness.shutdown) {
        const outcome = await harness.shutdown;
        const error = (observed.output as { error: Error | null }).error;
        if (error) deepStrictEqual(outcome, { error }, "shutdown() rejects with the chart's error");
        else deepStrictEqual(outcome, { status: { ...observed.context.status, state } }, "shutdown() result");
      }
    },
    async stop() {
      harness.lifecycle.actor.stop();
      await created.close();
      await agent.close();
    },
  };
}
