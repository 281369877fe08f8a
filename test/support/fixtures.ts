/**
 * protocol.md's example service, the one sample the suites register: as a RegisterRequest
 * (camelCase) and as the agent receives it (snake_case). The wire form is written here, not
 * produced by the code under test, so it stays an oracle. And the agent's legacy `connected`, as
 * the watch hands it to the chart.
 */
import type { ConnectionEvent, RegisterRequest } from "../../machines/types.ts";

/** The fields whose names are the same in both forms. */
const sameOnTheWire = {
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

/** A fresh request each call, so no test sees another's changes. */
export function authRequest(): RegisterRequest {
  return structuredClone({ appId: "10001", appName: "auth", ...sameOnTheWire });
}

/** The same service as protocol.md writes it on the wire; frozen, since suites share it. */
export const authWireBody = deepFreeze(
  structuredClone({ app_id: "10001", app_name: "auth", ...sameOnTheWire }),
);

/** A legacy `connected` frame (`event: connected`, `data: ok`) as the watch decodes it; frozen. */
export const legacyConnectedEvent: Readonly<ConnectionEvent> = deepFreeze({
  type: "connected",
  connected: true,
  eventId: "1",
  message: "ok",
  service: "",
  status: "",
  lifecycleState: "",
});

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const inner of Object.values(value)) {
    if (typeof inner === "object" && inner !== null) deepFreeze(inner);
  }
  return Object.freeze(value);
}
