/** What the dev agent says about itself when it starts: where, how, and what it is not. */
import { isLoopback } from "./options.ts";
import type { DevAgent } from "./server.ts";

/** `notReadyForMs`: how long it stays not ready from now (0: ready). */
export function devAgentBanner(agent: DevAgent, heartbeatMs: number, notReadyForMs = 0): string {
  return [
    `sidecar-lifecycle dev agent listening on ${agent.url}`,
    `  watch: ${agent.protocol} frames, heartbeat every ${heartbeatMs} ms; answers: ${agent.envelope ? "envelope" : "plain"} JSON`,
    "  in memory only: no Consul, no Envoy; a restart forgets every registration",
    isLoopback(agent.host)
      ? "  no authentication: bound to loopback only (--allow-remote to change that)"
      : `  WARNING: no authentication and bound to ${agent.host}: anyone who reaches it can register services`,
    ...(notReadyForMs > 0
      ? [`  not ready for ${notReadyForMs} ms: /readyz and /register answer 503 not_ready until then`]
      : []),
    "  refuses web pages: a foreign Host, any Origin, admin POSTs not sent as application/json",
    "  POST /register /drain /deregister (contract v1 and v2, by the body's shape) · GET /watch /healthz /readyz /debug/services",
  ].join("\n");
}
