/**
 * The greeter of examples/proto/greeter.proto bound to the agent: its lifecycle (every method of
 * the proto registered) and its gRPC server run by ManagedServer with signal handling on. Shared
 * by examples/grpc-service.ts and the `npm start` demo, so the demo runs the example's own code.
 */
import {
  type LocalRuntimeOptions,
  ManagedServer,
  newServiceLifecycleFromGRPC,
  type ServiceLifecycle,
} from "../src/index.ts";
import { greeterGrpcServer } from "./greeter-grpc.ts";
import { loadGreeterServices } from "./greeter-proto.ts";

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
  const managed = new ManagedServer({ lifecycle, handleSignals: true, log, ...greeterGrpcServer(port, log) });
  return { lifecycle, managed };
}
