/** The service the model-based suites run: protocol.md's example, and the timing both layers use. */
import type { LifecycleInput } from "../../machines/lifecycle.machine.ts";
import type { RegisterRequest } from "../../machines/types.ts";

export const modelRequest: RegisterRequest = {
  appId: "10001",
  appName: "auth",
  name: "auth",
  namespace: "default",
  port: 9090,
  dns: "auth.default.svc.cluster.local",
  env: "prod",
  weight: 100,
  protocol: "grpc",
  kernel: { language: "Node.js", version: "v22.11.0" },
  methods: ["/acme.auth.v1.AuthService/Login"],
  version: "v1.0.0",
};

/** The same request as protocol.md writes it on the wire. */
export const modelRequestWire = {
  app_id: "10001",
  app_name: "auth",
  name: "auth",
  namespace: "default",
  port: 9090,
  dns: "auth.default.svc.cluster.local",
  env: "prod",
  weight: 100,
  protocol: "grpc",
  kernel: { language: "Node.js", version: "v22.11.0" },
  methods: ["/acme.auth.v1.AuthService/Login"],
  version: "v1.0.0",
};

/**
 * A business server that must report ready, so `awaitingServer` is on the graph. Timers run on a
 * ModelClock, so these values cost no wall time; they are distinct so each timer is recognisable.
 */
export const modelInput: LifecycleInput = {
  request: modelRequest,
  gracePeriod: "2s",
  timing: { reconnectInterval: 1_000, livenessTimeout: 5_000, drainDelay: 300, shutdownTimeout: 10_000 },
  serverReady: false,
};
