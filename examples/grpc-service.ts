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
import { Server, ServerCredentials, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { DefaultAdminBaseURL, ManagedServer, newServiceLifecycleFromGRPC } from "../src/index.ts";
import { loadGreeterServices } from "./greeter-proto.ts";

const { values } = parseArgs({
  options: { agent: { type: "string" }, port: { type: "string" } },
});
const agentURL = values.agent ?? process.env.SIDECAR_AGENT_URL ?? DefaultAdminBaseURL;
const port = Number(values.port ?? process.env.PORT ?? 50051);
const drainDelay = process.env.DRAIN_DELAY_MS === undefined ? undefined : Number(process.env.DRAIN_DELAY_MS);
const log = (message: string) => console.log(`[grpc-service] ${message}`);

const { Greeter, Health } = loadGreeterServices();
const greeter: UntypedServiceImplementation = {
  SayHello: (call: { request: { name: string } }, callback: (e: null, r: object) => void) =>
    callback(null, { message: `hello, ${call.request.name}` }),
  SayGoodbye: (call: { request: { name: string } }, callback: (e: null, r: object) => void) =>
    callback(null, { message: `goodbye, ${call.request.name}` }),
};
const health: UntypedServiceImplementation = {
  Check: (_call: unknown, callback: (e: null, r: object) => void) => callback(null, { status: "SERVING" }),
};

const lifecycle = await newServiceLifecycleFromGRPC(
  {
    appId: "10001",
    serviceName: "greeter",
    dns: "greeter.default.svc.cluster.local",
    env: "dev",
    port,
    version: "v1.0.0",
    serviceOptions: { namespace: "default" },
    rawServices: [Greeter, Health],
  },
  {
    baseURL: agentURL,
    gracePeriod: process.env.GRACE_PERIOD ?? "2s",
    drainDelay,
    log,
    onError: (error) => log(`agent: ${error.message}`),
  },
);
lifecycle.onStateChange((state, status) =>
  log(
    `lifecycle: ${state}${state === "registered" ? ` (${status.lastServiceName}:${status.lastServicePort})` : ""}`,
  ),
);

const server = new Server();
server.addService(Greeter.service, greeter);
server.addService(Health.service, health);

let stopped: () => void = () => {};
const managed = new ManagedServer({
  lifecycle,
  handleSignals: true,
  log,
  serve: (_signal, ready) =>
    new Promise<void>((resolve, reject) => {
      server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error, bound) => {
        if (error) return reject(error);
        log(`grpc server listening on 127.0.0.1:${bound}`);
        ready();
      });
      stopped = resolve;
    }),
  shutdown: (signal) =>
    new Promise<void>((resolve) => {
      const force = () => server.forceShutdown();
      signal.addEventListener("abort", force, { once: true });
      server.tryShutdown(() => {
        signal.removeEventListener("abort", force);
        stopped();
        resolve();
      });
    }),
});
try {
  await managed.run();
} catch (error) {
  log(`exit 1: ${(error as Error).message}`);
  process.exitCode = 1;
}
