/**
 * The `npm start` demo: an embedded dev agent and a service bound to it, through the whole
 * lifecycle in a few seconds, on either agent contract. Each step waits on what the lifecycle
 * reports, never on a guess: registered → agent restart → replayed → SIGTERM → drained → deregistered.
 */
import { newGreeterServer } from "../../examples/greeter-server.ts";
import { clockStamp } from "../cli/command.ts";
import { logTransitions } from "../cli/transition-log.ts";
import { startDevAgent } from "../dev-agent/server.ts";
import type { CreateLifecycleOptions, Lifecycle, LifecycleStatus } from "../lifecycle.ts";
import { freePort } from "../port-probe.ts";
import { finalView } from "./final-view.ts";
import { newGreeterAgent } from "./greeter-v2.ts";

export type DemoContract = "v1" | "v2";

export interface DemoOptions {
  /** The agent contract the greeter speaks: v1 (a RegisterRequest) or v2 (a ServiceNode from its gateway manifest). Default v1. */
  contract?: DemoContract;
  /** Where the demo's lines go. Default: stdout. */
  write?: (line: string) => void;
  /** Lifecycle options the demo does not set itself (e.g. an `inspect` observer). */
  lifecycle?: Pick<CreateLifecycleOptions, "inspect">;
  /** Extra lines printed under the header (e.g. where to watch the chart live). */
  notes?: string[];
}

/** Short timings so the whole story fits in a few seconds. */
const TIMING = {
  heartbeatMs: 300,
  gracePeriod: "1s",
  drainDelay: 500,
  reconnectInterval: 200,
  livenessTimeout: 2_000,
  shutdownTimeout: 5_000,
  agentDownMs: 300,
  stepTimeoutMs: 5_000,
};

/** The part of a lifecycle the demo watches (a Lifecycle or a ServiceLifecycle). */
type Watched = Pick<Lifecycle, "actor" | "status">;

/** The greeter on one contract: its lifecycle, its blocking run, what it registers (in words). */
interface DemoService {
  lifecycle: Watched & { shutdown(): Promise<unknown> };
  run(): Promise<void>;
  registers: string;
}

type DemoRuntime = Parameters<typeof newGreeterServer>[1] & DemoOptions["lifecycle"];

async function startGreeter(
  contract: DemoContract,
  port: number,
  runtime: DemoRuntime,
  log: (line: string) => void,
): Promise<DemoService> {
  if (contract === "v2") {
    const agent = await newGreeterAgent(port, runtime, log);
    const { app, methods, httpRoutes } = agent.node;
    const routes = httpRoutes.map((route) => `${route.httpMethod} ${route.path} → ${route.fullMethod}`);
    return {
      lifecycle: agent.lifecycle,
      run: () => agent.run(),
      registers: `greeter instance ${app.id}/${app.instanceId} (server_port ${port}, contract v2) with ${methods.join(", ")}; http routes: ${routes.join(", ")}`,
    };
  }
  const { lifecycle, managed } = await newGreeterServer(port, runtime, log);
  const { methods } = lifecycle.runtime.controller.lifecycle.request;
  return {
    lifecycle,
    run: () => managed.run(),
    registers: `greeter:${port} (contract v1) with ${methods.join(", ")}`,
  };
}

function until(lifecycle: Watched, check: (status: LifecycleStatus) => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (check(lifecycle.status())) return resolve();
    const timer = setTimeout(() => {
      subscription.unsubscribe();
      const status = lifecycle.status();
      const error = status.lastError ? `; last error: ${status.lastError}` : "";
      reject(
        new Error(
          `gave up waiting for ${what} after ${TIMING.stepTimeoutMs} ms (state ${status.state}${error})`,
        ),
      );
    }, TIMING.stepTimeoutMs);
    const subscription = lifecycle.actor.subscribe(() => {
      if (!check(lifecycle.status())) return;
      clearTimeout(timer);
      subscription.unsubscribe();
      resolve();
    });
  });
}

/** The path taken, with refused reconnect attempts (connecting → disconnected) counted, not listed. */
function summarize(path: string[]): string {
  const kept: string[] = [];
  let refused = 0;
  for (let index = 0; index < path.length; index += 1) {
    if (path[index] === "connecting" && path[index + 1] === "disconnected") {
      refused += 1;
      index += 1;
    } else {
      kept.push(path[index] as string);
    }
  }
  return `${kept.join(" → ")}${refused > 0 ? ` (plus ${refused} refused reconnect attempts while the agent was down)` : ""}`;
}

export async function runDemo(options: DemoOptions = {}): Promise<void> {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const say = (who: string, text: string) => write(`${clockStamp()}  ${who.padEnd(7)}  ${text}`);
  const startedAt = Date.now();

  const contract = options.contract ?? "v1";
  write(
    `sidecar-lifecycle demo: a service bound to an embedded dev agent (contract ${contract}), the whole lifecycle in seconds`,
  );
  for (const note of options.notes ?? []) write(note);
  write("");

  const agent = await startDevAgent({
    port: 0,
    heartbeatMs: TIMING.heartbeatMs,
    log: (line) => say("agent", line),
  });
  say(
    "agent",
    `dev agent on ${agent.url} (in memory: no Consul, no Envoy; heartbeat every ${TIMING.heartbeatMs} ms)`,
  );
  const port = await freePort();
  // Both contracts hand every option through to createLifecycle, `inspect` included.
  const runtime: DemoRuntime = {
    baseURL: agent.url,
    gracePeriod: TIMING.gracePeriod,
    drainDelay: TIMING.drainDelay,
    reconnectInterval: TIMING.reconnectInterval,
    livenessTimeout: TIMING.livenessTimeout,
    shutdownTimeout: TIMING.shutdownTimeout,
    log: (note) => say("note", note),
    ...options.lifecycle,
  };
  const service = await startGreeter(contract, port, runtime, (line) => say("server", line));
  const { lifecycle } = service;
  say("server", `registers as ${service.registers}`);
  const path: string[] = [];
  const stopLogging = logTransitions(lifecycle, (line) => {
    say("state", line);
    path.push(lifecycle.status().state);
  });

  try {
    const running = service.run();
    await until(lifecycle, (s) => s.state === "registered", "the registration");
    await until(lifecycle, (s) => s.lastEventType === "heartbeat", "a heartbeat");
    say("demo", `heartbeat from the agent (event id ${lifecycle.status().lastEventId}): the stream is alive`);

    say("demo", "restarting the agent: it drops the stream and forgets every registration");
    await agent.restart({ downMs: TIMING.agentDownMs });
    await until(lifecycle, (s) => s.state === "registered" && s.registerReplayCount >= 2, "the replay");
    say(
      "demo",
      `replayed with no operator action (disconnects so far: ${lifecycle.status().disconnectCount})`,
    );

    say("demo", `sending SIGTERM to this process (pid ${process.pid})`);
    process.kill(process.pid, "SIGTERM");
    await running;
    const final = lifecycle.status();
    say("demo", `lifecycle finished in state ${final.state}; registered: ${final.registered}`);
  } finally {
    stopLogging();
    await lifecycle.shutdown().catch(() => {});
    write("");
    write("The agent's final view (GET /debug/services):");
    for (const line of finalView(agent)) write(`  ${line}`);
    await agent.close();
  }

  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  write("");
  write(`Done in ${seconds} s: ${summarize(["idle", ...path])}`);
}
