/** Shared pieces of the go-api suites: a sample registration, fast runtime options, free ports. */
import { waitFor } from "xstate";
import { lifecycleStateName } from "../../machines/state-name.ts";
import type { ServiceRegistration } from "../../src/go/registration.ts";
import type { LocalRuntimeOptions } from "../../src/go/runtime.ts";
import type { TestAgent } from "./agent.ts";

/** protocol.md's example service as a ServiceRegistration. */
export function authRegistration(port = 9090): ServiceRegistration {
  return {
    appId: "10001",
    serviceName: "auth",
    namespace: "default",
    dns: "auth.default.svc.cluster.local",
    env: "prod",
    port,
    protocol: "grpc",
    version: "v1.0.0",
    node: {
      kernel: { language: "Node.js", version: "v22.11.0" },
      methods: { "/acme.auth.v1.AuthService/Login": true },
    },
  };
}

/** Options with test-sized timers (tens of ms), against `agent`. */
export function fastOptions(agent: TestAgent, extra: LocalRuntimeOptions = {}): LocalRuntimeOptions {
  return {
    baseURL: agent.url,
    reconnectInterval: 50,
    requestTimeout: 1_000,
    gracePeriod: "50ms",
    drainDelay: 20,
    shutdownTimeout: 3_000,
    ...extra,
  };
}

/** A TCP port nobody listens on right now. */
export { freePort } from "../../src/port-probe.ts";

type AnyLifecycleActor = Parameters<typeof waitFor>[0] & {
  getSnapshot(): { value: Parameters<typeof lifecycleStateName>[0] };
};

/** Resolves once the chart's leaf state is `state` (fails the test after 5 s). */
export async function untilState(actor: AnyLifecycleActor, state: string): Promise<void> {
  await waitFor(actor, (snapshot) => lifecycleStateName((snapshot as { value: never }).value) === state, {
    timeout: 5_000,
  });
}
