/** ManagedServer with a real node:http server and a real loopback agent. */
import { createServer, type Server } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type LocalRuntimeOptions,
  ManagedServer,
  ManagedServerRunError,
  newManagedServer,
  newServiceLifecycleFromServiceRegistration,
  type ServeFunc,
  type ServiceLifecycle,
  ShutdownTimeoutError,
} from "../src/index.ts";
import { TestAgent } from "./support/agent.ts";
import { authRegistration, fastOptions, freePort } from "./support/go-api.ts";

let agent: TestAgent;
let port: number;
let server: Server;

beforeEach(async () => {
  agent = await TestAgent.start();
  port = await freePort();
  server = createServer((_req, res) => res.end("ok"));
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await agent.close();
});

function lifecycleFor(extra: LocalRuntimeOptions = {}): Promise<ServiceLifecycle> {
  return newServiceLifecycleFromServiceRegistration(authRegistration(port), fastOptions(agent, extra));
}

/** serve: listen (after `delayMs`), resolve when the server closes. Never calls ready(). */
function listenAfter(delayMs: number): ServeFunc {
  return () =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.once("close", () => resolve());
      setTimeout(() => server.listen(port, "127.0.0.1"), delayMs);
    });
}

const closeServer = () =>
  new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));

describe("ManagedServer.run", () => {
  it("registers only once the port accepts connections; exits drain → drain delay → shutdown → deregister", async () => {
    const seen: string[] = [];
    agent.respond["/register"] = () => {
      seen.push(`register (listening=${server.listening})`);
      return { status: 200, body: {} };
    };
    agent.respond["/drain"] = () => {
      seen.push(`drain (listening=${server.listening})`);
      return { status: 200, body: {} };
    };
    agent.respond["/deregister"] = () => {
      seen.push(`deregister (listening=${server.listening})`);
      return { status: 200, body: {} };
    };
    const lifecycle = await lifecycleFor({ drainDelay: 150 });
    const states: string[] = [];
    lifecycle.onStateChange((state) => states.push(state));
    const abort = new AbortController();
    const managed = new ManagedServer({
      lifecycle,
      serve: listenAfter(150),
      shutdown: async () => {
        seen.push("business shutdown");
        await closeServer();
      },
    });
    const running = managed.run({ signal: abort.signal });
    await agent.until(() => agent.callsTo("/register").length === 1, "the register");
    abort.abort();
    await running;
    expect(seen).toEqual([
      "register (listening=true)",
      "drain (listening=true)",
      "business shutdown",
      "deregister (listening=false)",
    ]);
    expect(states).toContain("awaitingServer");
    expect(states.slice(-5)).toEqual([
      "draining",
      "drained",
      "stoppingServer",
      "deregistering",
      "deregistered",
    ]);
  });

  it("serve reporting ready() opens the gate; serve ending exits through drain and deregister", async () => {
    const lifecycle = await lifecycleFor();
    let endServe: () => void = () => {};
    const managed = newManagedServer({
      lifecycle,
      readinessHost: "127.0.0.2", // nothing answers there: only ready() can open the gate
      serve: (_signal, ready) =>
        new Promise<void>((resolve) => {
          endServe = resolve;
          ready();
        }),
    });
    const running = managed.run();
    await agent.until(() => agent.callsTo("/register").length === 1, "the register");
    endServe();
    await running;
    expect(agent.calls.map((call) => call.path)).toEqual(["/register", "/drain", "/deregister"]);
  });

  it("without a shutdown function, stopping aborts serve's signal", async () => {
    const lifecycle = await lifecycleFor();
    const abort = new AbortController();
    let serveSignal: AbortSignal | undefined;
    const managed = new ManagedServer({
      lifecycle,
      serve: (signal, ready) => {
        serveSignal = signal;
        ready();
        return new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
      },
    });
    const running = managed.run({ signal: abort.signal });
    await agent.until(() => agent.callsTo("/register").length === 1, "the register");
    expect(serveSignal?.aborted).toBe(false);
    abort.abort();
    await running;
    expect(serveSignal?.aborted).toBe(true);
    expect(agent.calls.map((call) => call.path)).toEqual(["/register", "/drain", "/deregister"]);
  });

  it("serve failing is stage serve, with the cause; the instance is still deregistered", async () => {
    const lifecycle = await lifecycleFor();
    const managed = new ManagedServer({
      lifecycle,
      serve: async (_signal, ready) => {
        ready();
        await agent.until(() => agent.callsTo("/register").length === 1, "the register");
        throw new Error("listen EADDRINUSE");
      },
    });
    const failure = await managed.run().catch((error) => error);
    expect(failure).toBeInstanceOf(ManagedServerRunError);
    expect(failure.stage).toBe("serve");
    expect(failure.message).toBe(`managed server auth:${port}: serve stage failed: listen EADDRINUSE`);
    expect(failure.cause.message).toBe("listen EADDRINUSE");
    expect(agent.calls.map((call) => call.path)).toEqual(["/register", "/drain", "/deregister"]);
  });

  it("a failing business shutdown is stage shutdown; deregister still happens", async () => {
    const lifecycle = await lifecycleFor();
    const abort = new AbortController();
    const managed = new ManagedServer({
      lifecycle,
      serve: listenAfter(0),
      shutdown: async () => {
        throw new Error("connections refused to close");
      },
    });
    const running = managed.run({ signal: abort.signal });
    await agent.until(() => agent.callsTo("/register").length === 1, "the register");
    abort.abort();
    const failure = await running.catch((error) => error);
    expect(failure).toMatchObject({ stage: "shutdown" });
    expect(failure.cause.message).toBe("connections refused to close");
    expect(agent.calls.map((call) => call.path)).toEqual(["/register", "/drain", "/deregister"]);
  });

  it("a hung agent: the drain is cut at its window, the server still stops in time, the deadline names the hung deregister", async () => {
    agent.respond["/drain"] = () => "hang";
    agent.respond["/deregister"] = () => "hang";
    // Budget: drain step until 500 ms, server stop until 750 ms, deregister until 1000 ms.
    const lifecycle = await lifecycleFor({ shutdownTimeout: 1_000, requestTimeout: 900 });
    const abort = new AbortController();
    let stopSignal: AbortSignal | undefined;
    const managed = new ManagedServer({
      lifecycle,
      serve: listenAfter(0),
      shutdown: async (signal) => {
        stopSignal = signal;
        await closeServer();
      },
    });
    const running = managed.run({ signal: abort.signal });
    await agent.until(() => agent.callsTo("/register").length === 1, "the register");
    abort.abort();
    const failure = await running.catch((error) => error);
    expect(failure).toMatchObject({ stage: "agent_shutdown" });
    expect(failure.cause).toBeInstanceOf(ShutdownTimeoutError);
    expect(failure.message).toBe(
      `managed server auth:${port}: agent_shutdown stage failed: shutdown timed out after 1000 ms in state deregistering: deregister request unanswered (last error: drain cut: its window closed 500 ms after shutdown began)`,
    );
    // The business server got its own window, whole: its stop finished and was never cut.
    expect(stopSignal?.aborted).toBe(false);
    expect(server.listening).toBe(false);
    expect(agent.calls.map((call) => call.path)).toEqual(["/register", "/drain", "/deregister"]);
  });

  it("with the agent down, nothing is registered: the exit only stops the server", async () => {
    await agent.close();
    const lifecycle = await lifecycleFor();
    const abort = new AbortController();
    let stopped = false;
    const managed = new ManagedServer({
      lifecycle,
      serve: listenAfter(0),
      shutdown: async () => {
        await closeServer();
        stopped = true;
      },
    });
    const running = managed.run({ signal: abort.signal });
    await expect.poll(() => server.listening).toBe(true);
    abort.abort();
    await running;
    expect(stopped).toBe(true);
    expect(lifecycle.status().state).toBe("deregistered");
    expect(agent.calls).toEqual([]);
  });

  it("an already aborted signal serves nothing and registers nothing; run() twice is refused", async () => {
    const lifecycle = await lifecycleFor();
    let served = false;
    const managed = new ManagedServer({
      lifecycle,
      serve: async () => {
        served = true;
      },
    });
    await managed.run({ signal: AbortSignal.abort() });
    expect(served).toBe(false);
    expect(lifecycle.status().state).toBe("deregistered");
    expect(agent.calls).toEqual([]);
    await expect(managed.run()).rejects.toMatchObject({ stage: "lifecycle" });
  });

  it("refuses a lifecycle started elsewhere: its register would not wait for the server", async () => {
    const lifecycle = await lifecycleFor();
    lifecycle.start();
    const managed = new ManagedServer({ lifecycle, serve: listenAfter(0) });
    const failure = await managed.run().catch((error) => error);
    expect(failure).toMatchObject({ stage: "lifecycle" });
    expect(failure.message).toMatch(/lifecycle stage failed: the lifecycle is already started \(state \w+\)/);
    expect(server.listening).toBe(false);
    await lifecycle.shutdown();
  });
});
