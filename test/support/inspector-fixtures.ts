/** What the inspector tests and their service processes share; no test runner imported here. */
import type { RegisterRequest } from "../../machines/types.ts";
import { authRequest } from "./fixtures.ts";

/**
 * Lifecycle options for loopback runs: reconnects in tens of ms, no drain delay. Request
 * timeouts stay generous: on a loaded machine a first register can take a second or more. The
 * test agent sends no heartbeats, so the silence timer is set past any test's length: a state
 * the tests read changes only when they make it change.
 */
export const quick = {
  reconnectInterval: 20,
  requestTimeout: 10_000,
  drainDelay: 0,
  shutdownTimeout: 30_000,
  livenessTimeout: 600_000,
};

/** protocol.md's sample service under another name and port, so several can run side by side. */
export function registration(name: string, port: number): RegisterRequest {
  return { ...authRequest(), appName: name, name, port, dns: `${name}.default.svc.cluster.local` };
}
