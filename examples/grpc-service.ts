/**
 * A real @grpc/grpc-js service bound to the host's sidecar agent.
 *
 *   npx tsx examples/grpc-service.ts [--agent http://127.0.0.1:15010] [--port 50051]
 *
 * Env: SIDECAR_AGENT_URL, PORT, GRACE_PERIOD (Go duration, default 2s), DRAIN_DELAY_MS.
 * It registers every method of examples/proto/greeter.proto once the server accepts
 * connections; on SIGTERM/SIGINT it drains, waits the drain delay, stops the gRPC server,
 * deregisters, and exits 0 (a second signal forces exit 1).
 */
import { parseArgs } from "node:util";
import { DefaultAdminBaseURL } from "../src/index.ts";
import { newGreeterServer } from "./greeter-server.ts";

const { values } = parseArgs({
  options: { agent: { type: "string" }, port: { type: "string" } },
});
const agentURL = values.agent ?? process.env.SIDECAR_AGENT_URL ?? DefaultAdminBaseURL;
const port = Number(values.port ?? process.env.PORT ?? 50051);
const drainDelay = process.env.DRAIN_DELAY_MS === undefined ? undefined : Number(process.env.DRAIN_DELAY_MS);
const log = (message: string) => console.log(`[grpc-service] ${message}`);

const { lifecycle, managed } = await newGreeterServer(
  port,
  {
    baseURL: agentURL,
    gracePeriod: process.env.GRACE_PERIOD ?? "2s",
    drainDelay,
    log,
    onError: (error) => log(`agent: ${error.message}`),
  },
  log,
);
lifecycle.onStateChange((state, status) =>
  log(
    `lifecycle: ${state}${state === "registered" ? ` (${status.lastServiceName}:${status.lastServicePort})` : ""}`,
  ),
);

try {
  await managed.run();
} catch (error) {
  log(`exit 1: ${(error as Error).message}`);
  process.exitCode = 1;
}
