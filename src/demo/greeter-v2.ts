/**
 * The demo's greeter on contract v2: the gRPC server of examples/proto/greeter.proto run by
 * `newAgent` (Go v0.3's `agent.New`), its methods and HTTP route read from the gateway manifest
 * generated next to the proto (examples/proto/gateway.manifest.json).
 */
import { fileURLToPath } from "node:url";
import { greeterGrpcServer } from "../../examples/greeter-grpc.ts";
import { type Agent, newAgent, type SidecarAgentConfig } from "../v2/agent.ts";

export const greeterManifestPath = fileURLToPath(
  new URL("../../examples/proto/gateway.manifest.json", import.meta.url),
);

/** The agent for the greeter on 127.0.0.1:`port`; `agent.run()` serves until SIGTERM/SIGINT, then takes the way out. */
export function newGreeterAgent(
  port: number,
  config: Omit<SidecarAgentConfig, "serve" | "shutdown" | "gatewayManifestPath">,
  log: (line: string) => void,
): Promise<Agent> {
  const grpc = greeterGrpcServer(port, log);
  return newAgent(
    {
      app: { id: "10001", env: "dev", name: "greeter", version: "v1.0.0" },
      service: { name: "greeter" },
      protocol: "grpc",
      serverPort: port,
    },
    {
      ...config,
      gatewayManifestPath: greeterManifestPath,
      handleSignals: true,
      serve: grpc.serve,
      shutdown: async (signal) => {
        await grpc.shutdown(signal);
        log("server stopped");
      },
    },
  );
}
