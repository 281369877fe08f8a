/**
 * The demo's business service: the gRPC greeter of examples/ (same proto, same handlers), run
 * by the library's ManagedServer with signal handling on, so the demo's SIGTERM takes the same
 * path a real service's does.
 */

import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { Server, ServerCredentials, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { loadGreeterServices } from "../../examples/greeter-proto.ts";
import { ManagedServer } from "../managed-server.ts";
import type { LocalRuntimeOptions } from "../runtime.ts";
import { newServiceLifecycleFromGRPC, type ServiceLifecycle } from "../service-lifecycle.ts";

/** A port free right now, so the registration can name it before the server listens. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

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

export interface DemoService {
  lifecycle: ServiceLifecycle;
  managed: ManagedServer;
}

/** The greeter's lifecycle (every method of its proto registered) and its managed gRPC server. */
export async function greeterService(
  port: number,
  runtime: LocalRuntimeOptions,
  log: (line: string) => void,
): Promise<DemoService> {
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
  let served: () => void = () => {};
  const managed = new ManagedServer({
    lifecycle,
    handleSignals: true,
    log,
    serve: (_signal, ready) =>
      new Promise<void>((resolve, reject) => {
        served = resolve;
        server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error) => {
          if (error) return reject(error);
          log(`gRPC greeter listening on 127.0.0.1:${port}`);
          ready();
        });
      }),
    shutdown: (signal) =>
      new Promise<void>((resolve) => {
        const force = () => server.forceShutdown();
        signal.addEventListener("abort", force, { once: true });
        server.tryShutdown(() => {
          signal.removeEventListener("abort", force);
          served();
          resolve();
        });
      }),
  });
  return { lifecycle, managed };
}
