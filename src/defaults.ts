/** Defaults and constants of the Go client, same names; durations in ms. */

export const DefaultAdminBaseURL = "http://127.0.0.1:15010";
export const DefaultWatchPath = "/watch";
export const DefaultRequestTimeout = 3_000;
/** Cap of the jittered reconnect backoff (the Go client waited this long, fixed). */
export const DefaultReconnectInterval = 1_000;
/** Three missed 5 s heartbeats. */
export const DefaultLivenessTimeout = 15_000;
export const DefaultShutdownTimeout = 30_000;
/** Budget of the one deregister a forced exit (a second signal) still sends. */
export const DefaultForceTimeout = 500;
/** What the agent assumes for an empty grace period. */
export const DefaultGracePeriod = "20s";
/** Largest SSE line or frame accepted before the stream counts as broken. */
export const DefaultMaxFrameSize = 1024 * 1024;

export const ManagedServerStageLifecycle = "lifecycle";
export const ManagedServerStageServe = "serve";
export const ManagedServerStageShutdown = "shutdown";
export const ManagedServerStageAgentShutdown = "agent_shutdown";

export const ConnectionEventTypeConnected = "connected";
export const ConnectionEventTypeHeartbeat = "heartbeat";
export const ConnectionEventTypeDisconnected = "disconnected";
