/**
 * A service process as README's usage example writes one, for the inspector tests: it streams to
 * SIDECAR_LIFECYCLE_INSPECT, registers `SERVICE_NAME`:`SERVICE_PORT` with the agent at
 * `AGENT_URL`, and on SIGTERM calls `shutdown()` and exits the moment it resolves.
 */
import { createLifecycle, onStateChange } from "../../src/lifecycle.ts";
import { quick, registration } from "./inspector-fixtures.ts";

const { AGENT_URL, SERVICE_NAME, SERVICE_PORT } = process.env;
if (!AGENT_URL || !SERVICE_NAME || !SERVICE_PORT) {
  throw new Error("inspector-service needs AGENT_URL, SERVICE_NAME and SERVICE_PORT");
}

const lifecycle = createLifecycle(registration(SERVICE_NAME, Number(SERVICE_PORT)), {
  ...quick,
  baseURL: AGENT_URL,
});
onStateChange(lifecycle.actor, (state) => process.stdout.write(`state ${state}\n`));
lifecycle.start();

process.once("SIGTERM", () => {
  lifecycle.shutdown().then(
    (final) => {
      process.stdout.write(`final ${final.state}\n`);
      process.exit(0);
    },
    (error: Error) => {
      process.stderr.write(`shutdown failed: ${error.message}\n`);
      process.exit(1);
    },
  );
});
