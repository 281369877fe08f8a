/** Shared by the inspector tests: a registration, the chart's leaf names, a wait on the inspector's view of services. */
import { lifecycleMachine } from "../../machines/lifecycle.machine.ts";
import type { RegisterRequest } from "../../machines/types.ts";
import type { InspectorSessions, ServiceView } from "../../src/inspector/sessions.ts";
import { authRequest } from "./fixtures.ts";

/** Lifecycle options for loopback runs: reconnects and shutdowns in tens of ms, not seconds. */
export const quick = { reconnectInterval: 20, requestTimeout: 1_000, drainDelay: 0, shutdownTimeout: 3_000 };

/** protocol.md's sample service under another name and port, so several can run side by side. */
export function registration(name: string, port: number): RegisterRequest {
  return { ...authRequest(), appName: name, name, port, dns: `${name}.default.svc.cluster.local` };
}

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
  timeoutMs = 5_000,
): Promise<ServiceView> {
  const found = sessions.list().find(check);
  if (found) return Promise.resolve(found);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      const seen = sessions.list().map((service) => `${service.name}: ${service.state}`);
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
