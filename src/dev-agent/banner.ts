/** What the dev agent says about itself when it starts: where, how, and what it is not. */
import { type DevAgent, isLoopback } from "./server.ts";

export function devAgentBanner(agent: DevAgent, heartbeatMs: number): string {
  return [
    `sidecar-lifecycle dev agent listening on ${agent.url}`,
    `  watch: ${agent.protocol} frames, heartbeat every ${heartbeatMs} ms; answers: ${agent.envelope ? "envelope" : "plain"} JSON`,
    "  in memory only: no Consul, no Envoy; a restart forgets every registration",
    isLoopback(agent.host)
      ? "  no authentication: bound to loopback only (--allow-remote to change that)"
      : `  WARNING: no authentication and bound to ${agent.host}: anyone who reaches it can register services`,
    "  POST /register /drain /deregister · GET /watch /healthz /debug/services",
  ].join("\n");
}
