/** LocalRuntime, ServiceLifecycle and LifecycleHooks over real loopback agents. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ConnectionEventTypeConnected,
  ConnectionEventTypeDisconnected,
  ConnectionEventTypeHeartbeat,
  DefaultAdminBaseURL,
  DefaultReconnectInterval,
  DefaultRequestTimeout,
  DefaultWatchPath,
  defaultLocalRuntimeOptions,
  LifecycleRunError,
  ManagedServerStageAgentShutdown,
  ManagedServerStageLifecycle,
  ManagedServerStageServe,
  ManagedServerStageShutdown,
  newLifecycleHooks,
  newLocalRuntime,
  newLocalRuntimeFromServiceRegistration,
  newServiceLifecycle,
  newServiceLifecycleFromServiceRegistration,
  RegisterReplayError,
  type ServiceLifecycle,
} from "../src/index.ts";
import { TestAgent } from "./support/agent.ts";
import { authRegistration, fastOptions, untilState } from "./support/go-api.ts";

let agent: TestAgent;
const lifecycles: ServiceLifecycle[] = [];

beforeEach(async () => {
  agent = await TestAgent.start();
});
afterEach(async () => {
  for (const lifecycle of lifecycles.splice(0)) await lifecycle.shutdown().catch(() => {});
  await agent.close();
});

async function lifecycleFor(gracePeriod?: string): Promise<ServiceLifecycle> {
  const lifecycle = await newServiceLifecycleFromServiceRegistration(authRegistration(), fastOptions(agent), {
    gracePeriod,
  });
  lifecycles.push(lifecycle);
  return lifecycle;
}

it("exports the Go constants under their Go names", () => {
  expect([DefaultWatchPath, DefaultRequestTimeout, DefaultReconnectInterval]).toEqual([
    "/watch",
    3_000,
    1_000,
  ]);
  expect([
    ConnectionEventTypeConnected,
    ConnectionEventTypeHeartbeat,
    ConnectionEventTypeDisconnected,
  ]).toEqual(["connected", "heartbeat", "disconnected"]);
  expect([
    ManagedServerStageLifecycle,
    ManagedServerStageServe,
    ManagedServerStageShutdown,
    ManagedServerStageAgentShutdown,
  ]).toEqual(["lifecycle", "serve", "shutdown", "agent_shutdown"]);
});

describe("LocalRuntime", () => {
  it("defaultLocalRuntimeOptions gives the Go defaults for a base URL", () => {
    expect(defaultLocalRuntimeOptions("http://127.0.0.1:9000/")).toEqual({
      baseURL: "http://127.0.0.1:9000/",
      watchURL: "http://127.0.0.1:9000/watch",
      requestTimeout: DefaultRequestTimeout,
      reconnectInterval: DefaultReconnectInterval,
    });
    expect(defaultLocalRuntimeOptions("").baseURL).toBe(DefaultAdminBaseURL);
  });

  it("assembles client, source, controller and runner around one running actor", async () => {
    const errors: Error[] = [];
    const runtime = await newLocalRuntimeFromServiceRegistration(authRegistration(), {
      ...defaultLocalRuntimeOptions(agent.url),
      ...fastOptions(agent),
      onError: (error) => errors.push(error),
    });
    expect(runtime.source.watchURL).toBe(`${agent.url}/watch`);
    expect(runtime.actor).toBe(runtime.controller.actor);
    agent.respond["/register"] = () => ({ status: 500, body: { error: "xds refresh failed" } });
    const running = runtime.runner.run();
    await untilState(runtime.actor, "registerRetry");
    expect(errors[0]).toBeInstanceOf(RegisterReplayError);
    delete agent.respond["/register"];
    await untilState(runtime.actor, "registered");

    await runtime.drain("1s");
    await runtime.deregister();
    await running;
    expect(agent.calls.map((call) => call.path)).toEqual(["/register", "/register", "/drain", "/deregister"]);
    expect(agent.callsTo("/drain")[0]?.body).toMatchObject({ grace_period: "1s" });
  });
});

describe("ServiceLifecycle", () => {
  it("start() is idempotent and yields the lifecycle's errors as LifecycleRunErrors", async () => {
    agent.respond["/register"] = () => ({ status: 400, body: { code: "BAD", message: "env unknown" } });
    const lifecycle = await lifecycleFor();
    const errors = lifecycle.start();
    expect(lifecycle.start()).toBe(errors);
    const iterator = errors[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toBeInstanceOf(LifecycleRunError);
    expect(first.value.cause).toBeInstanceOf(RegisterReplayError);
    expect(first.value.message).toBe(
      "lifecycle run error: register replay failed: service=auth port=9090: agent answered 400: BAD: env unknown",
    );
    expect(first.value.kind).toBe("register_replay");
    expect(agent.watchRequests).toBe(1);
    delete agent.respond["/register"];
    await untilState(lifecycle.actor, "registered");
    await lifecycle.shutdown();
    // The iterable ends with the lifecycle (after the errors still queued).
    let next = await iterator.next();
    while (!next.done) next = await iterator.next();
    expect(next.done).toBe(true);
  });

  it("drain() uses the lifecycle's grace period; shutdown() then finishes the way out", async () => {
    const lifecycle = await lifecycleFor("750ms");
    lifecycle.start();
    await untilState(lifecycle.actor, "registered");
    await lifecycle.drain();
    expect(lifecycle.status()).toMatchObject({ state: "drainHeld", connected: false });
    const final = await lifecycle.shutdown();
    expect(final).toMatchObject({ state: "deregistered", registered: false });
    expect(agent.calls.map((call) => [call.path, call.body.grace_period])).toEqual([
      ["/register", undefined],
      ["/drain", "750ms"],
      ["/deregister", undefined],
    ]);
  });

  it("shutdown() drains with the lifecycle's grace period, then deregisters", async () => {
    const lifecycle = await lifecycleFor("2s");
    lifecycle.start();
    await untilState(lifecycle.actor, "registered");
    await lifecycle.shutdown();
    expect(agent.calls.map((call) => call.path)).toEqual(["/register", "/drain", "/deregister"]);
    expect(agent.callsTo("/drain")[0]?.body.grace_period).toBe("2s");
  });

  it("aborting start's signal starts the way out, with the lifecycle's grace period", async () => {
    const lifecycle = await lifecycleFor("750ms");
    const abort = new AbortController();
    lifecycle.start({ signal: abort.signal });
    await untilState(lifecycle.actor, "registered");
    abort.abort();
    await untilState(lifecycle.actor, "deregistered");
    expect(agent.calls.map((call) => [call.path, call.body.grace_period])).toEqual([
      ["/register", undefined],
      ["/drain", "750ms"],
      ["/deregister", undefined],
    ]);
  });

  it("newServiceLifecycle over newLocalRuntime with any DescriptorProvider", async () => {
    const provider = {
      buildRegisterRequest: async () => ({
        appId: "1",
        appName: "billing",
        name: "billing",
        namespace: "default",
        port: 7070,
        dns: "billing.default.svc.cluster.local",
        env: "prod",
        weight: 10,
        protocol: "http",
        kernel: { language: "Node.js", version: process.version },
        methods: ["/invoices"],
        version: "v2",
      }),
    };
    const lifecycle = newServiceLifecycle({
      runtime: await newLocalRuntime(provider, fastOptions(agent)),
      gracePeriod: "1s",
    });
    lifecycles.push(lifecycle);
    lifecycle.start();
    await untilState(lifecycle.actor, "registered");
    await lifecycle.shutdown();
    expect(agent.calls.map((call) => [call.path, call.body.name, call.body.grace_period])).toEqual([
      ["/register", "billing", undefined],
      ["/drain", "billing", "1s"],
      ["/deregister", "billing", undefined],
    ]);
  });

  it("newServiceLifecycle refuses a missing runtime and a non-positive grace period", async () => {
    expect(() => newServiceLifecycle({} as never)).toThrow("lifecycle runtime is required");
    const lifecycle = await lifecycleFor();
    expect(() => newServiceLifecycle({ runtime: lifecycle.runtime, gracePeriod: "-1s" })).toThrow(
      'gracePeriod must be greater than zero, got "-1s"',
    );
  });
});

describe("LifecycleHooks", () => {
  it("onStart starts in the background, onError gets the async errors, onStop drains and deregisters", async () => {
    agent.respond["/register"] = () => ({ status: 503, body: { error: "warming up" } });
    const lifecycle = await lifecycleFor();
    const errors: LifecycleRunError[] = [];
    const hooks = newLifecycleHooks({ lifecycle, onError: (error) => errors.push(error) });
    const startup = new AbortController();
    await hooks.onStart(startup.signal);
    startup.abort(); // the host's start hook is over: that is no stop
    await untilState(lifecycle.actor, "registerRetry");
    await expect.poll(() => errors.length).toBeGreaterThan(0);
    expect(errors[0]?.message).toContain("warming up");
    delete agent.respond["/register"];
    await untilState(lifecycle.actor, "registered");
    expect(hooks.status()).toMatchObject({ state: "registered", registered: true, lastServiceName: "auth" });
    await expect(hooks.onStart(startup.signal)).rejects.toThrow("This operation was aborted");
    await hooks.onStop();
    expect(hooks.status().state).toBe("deregistered");
    expect(agent.calls.map((call) => call.path).slice(-2)).toEqual(["/drain", "/deregister"]);
  });
});
