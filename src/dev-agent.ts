/** `sidecar-lifecycle/dev-agent`: the dev sidecar agent (protocol.md, in memory) for local work, demos and tests. */
export {
  type DevAgent,
  type DevAgentCall,
  type DevAgentOptions,
  startDevAgent,
} from "./dev-agent/server.ts";
export type { LocalService, ServiceState } from "./dev-agent/store.ts";
export type { WatchProtocol } from "./dev-agent/watch-hub.ts";
