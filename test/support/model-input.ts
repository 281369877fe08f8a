/** What the model-based suites run: protocol.md's example service and the timing both layers use. */
import type { LifecycleInput } from "../../machines/lifecycle.machine.ts";
import { v1Registration } from "../../src/agent/registration.ts";
import { authRequest } from "./fixtures.ts";

/**
 * A business server that must report ready, so `awaitingServer` is on the graph. Timers run on a
 * ModelClock, so these values cost no wall time; they are distinct so each timer is recognisable.
 */
export const modelInput: LifecycleInput = {
  registration: v1Registration(authRequest()),
  gracePeriod: "2s",
  timing: {
    reconnectInterval: 1_000,
    livenessTimeout: 5_000,
    drainDelay: 300,
    // The way out's budget resolveOptions derives from shutdownTimeout and the default requestTimeout.
    drainDeadline: 5_000,
    stopDeadline: 7_500,
    shutdownTimeout: 10_000,
    forceTimeout: 500,
  },
  serverReady: false,
};
