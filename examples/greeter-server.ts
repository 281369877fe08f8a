/**
 * The greeter of examples/proto/greeter.proto bound to the agent: its lifecycle (every method of
 * the proto registered) and its gRPC server run by ManagedServer with signal handling on. Shared
 * by examples/grpc-service.ts and the `npm start` demo, so the demo runs the example's own code.
 */
import { Server, ServerCredentials, type UntypedServiceImplementation } from "@grpc/grpc-js";
import {
  type LocalRuntimeOptions,
  ManagedServer,
  newServiceLifecycleFromGRPC,
  type ServiceLifecycle,
} from "../src/index.ts";
import { loadGreeterServices } from "./greeter-proto.ts";

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

export interface GreeterServer {
  lifecycle: ServiceLifecycle;
  managed: ManagedServer;
}

/** `managed.run()` serves on 127.0.0.1:`port` until SIGTERM/SIGINT, then takes the graceful way out. */
export async function newGreeterServer(
  port: number,
  runtime: LocalRuntimeOptions,
  log: (line: string) => void,
): Promise<GreeterServer> {
  const { Greeter, Health } = loadGreeterServices();
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
    runtime,
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
          stopped();
          resolve();
        });
      }),
  });
  return { lifecycle, managed };
}
