/**
 * The demo's greeter on contract v2: the gRPC server of examples/proto/greeter.proto run by
 * `newAgent` (Go v0.3's `agent.New`), its methods and HTTP route read from the gateway manifest
 * generated next to the proto (examples/proto/gateway.manifest.json).
 */
import { fileURLToPath } from "node:url";
import { Server, ServerCredentials, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { loadGreeterServices } from "../../examples/greeter-proto.ts";
import { type Agent, newAgent, type SidecarAgentConfig } from "../v2/agent.ts";

export const greeterManifestPath = fileURLToPath(
  new URL("../../examples/proto/gateway.manifest.json", import.meta.url),
);

type Reply = (error: null, response: object) => void;

const greeter: UntypedServiceImplementation = {
  SayHello: (call: { request: { name: string } }, reply: Reply) =>
    reply(null, { message: `hello, ${call.request.name}` }),
  SayGoodbye: (call: { request: { name: string } }, reply: Reply) =>
    reply(null, { message: `goodbye, ${call.request.name}` }),
};
const health: UntypedServiceImplementation = {
  Check: (_call: unknown, reply: Reply) => reply(null, { status: "SERVING" }),
};

/** The agent for the greeter on 127.0.0.1:`port`; `agent.run()` serves until SIGTERM/SIGINT, then takes the way out. */
export function newGreeterAgent(
  port: number,
  config: Omit<SidecarAgentConfig, "serve" | "shutdown" | "gatewayManifestPath">,
  log: (line: string) => void,
): Promise<Agent> {
  const { Greeter, Health } = loadGreeterServices();
  const server = new Server();
  server.addService(Greeter.service, greeter);
  server.addService(Health.service, health);
  let stopped: () => void = () => {};
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
      serve: (_signal, ready) =>
        new Promise<void>((resolve, reject) => {
          stopped = resolve;
          server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error, bound) => {
            if (error) return reject(error);
            log(`grpc server listening on 127.0.0.1:${bound}`);
            ready();
          });
        }),
      shutdown: (signal) =>
        new Promise<void>((resolve) => {
          // Past the deadline, calls still in flight are cut.
          const force = () => server.forceShutdown();
          signal.addEventListener("abort", force, { once: true });
          server.tryShutdown(() => {
            signal.removeEventListener("abort", force);
            log("server stopped");
            stopped();
            resolve();
          });
        }),
    },
  );
}
