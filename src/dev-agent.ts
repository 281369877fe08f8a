/** `sidecar-lifecycle/dev-agent`: the dev sidecar agent (protocol.md, in memory) for local work, demos and tests. */
export { CALL_LOG_LIMITS, type DevAgentCall } from "./dev-agent/call-log.ts";
export type { DevAgentOptions } from "./dev-agent/options.ts";
export { type DevAgent, REGISTRATIONS_LIMIT, startDevAgent } from "./dev-agent/server.ts";
export type { LocalService, ServiceState, V1LocalService, V2LocalService } from "./dev-agent/store.ts";
export type { WatchProtocol } from "./dev-agent/watch-hub.ts";
