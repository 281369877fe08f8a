/**
 * Shared by the inspector tests: a registration, the chart's leaf names, a wait on the
 * inspector's view of services, and service processes that stream to it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { onTestFinished } from "vitest";
import { lifecycleMachine } from "../../machines/lifecycle.machine.ts";
import { InspectEnv } from "../../src/inspector/connect.ts";
import type { InspectorSessions, ServiceView } from "../../src/inspector/sessions.ts";

export { quick, registration } from "./inspector-fixtures.ts";

/** Leaf state keys read straight off the machine, not off the export or page under test. */
export function chartLeafNames(): string[] {
  const names: string[] = [];
  const walk = (node: { key: string; states: Record<string, unknown> }) => {
    const children = Object.values(node.states) as (typeof node)[];
    if (children.length === 0) names.push(node.key);
    for (const child of children) walk(child);
  };
  walk(lifecycleMachine.root);
  return names;
}

/** Resolves with the service once `check` holds for it; checked after every update. */
export function serviceWhere(
  sessions: InspectorSessions,
  check: (service: ServiceView) => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<ServiceView> {
  const found = sessions.list().find(check);
  if (found) return Promise.resolve(found);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      const seen = sessions.list().map((service) => `${service.id} ${service.name}: ${service.state}`);
      reject(new Error(`inspector: timed out waiting for ${what}; services: ${seen.join(", ") || "none"}`));
    }, timeoutMs);
    const unsubscribe = sessions.subscribe(({ service }) => {
      if (!check(service)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(service);
    });
  });
}

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** What it printed: `state <leaf>` per transition, `final <state>` once shut down. */
  readonly output: () => string;
  /** SIGTERM: it shuts down and exits as soon as `shutdown()` resolves; resolves with its exit code. */
  stop(): Promise<number | null>;
}

const root = fileURLToPath(new URL("../..", import.meta.url));

/**
 * A separate service process (test/support/inspector-service.ts) registering `name:port` with
 * the agent at `agentURL` and streaming to the inspector at `inspectorURL`; killed if still
 * running when the test finishes.
 */
export function startServiceProcess(name: string, port: number, agentURL: string, inspectorURL: string) {
  const child = spawn(process.execPath, ["--import", "tsx", "test/support/inspector-service.ts"], {
    cwd: root,
    env: {
      ...process.env,
      [InspectEnv]: inspectorURL,
      AGENT_URL: agentURL,
      SERVICE_NAME: name,
      SERVICE_PORT: String(port),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  onTestFinished(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGKILL");
    await exited;
  });
  if (child.pid === undefined) throw new Error(`inspector-service ${name}:${port} did not start`);
  const service: ServiceProcess = {
    child,
    pid: child.pid,
    output: () => output,
    stop() {
      child.kill("SIGTERM");
      return exited;
    },
  };
  return service;
}
