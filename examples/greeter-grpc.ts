/**
 * The greeter's gRPC server (examples/proto/greeter.proto), as the two functions a managed
 * server takes: `serve` binds it and reports ready, `shutdown` stops it gracefully (forced once
 * the deadline's signal aborts). Shared by the v1 and v2 greeters.
 */
import { Server, ServerCredentials, type UntypedServiceImplementation } from "@grpc/grpc-js";
import type { ServeFunc, ShutdownFunc } from "../src/index.ts";
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

/** The server on 127.0.0.1:`port`: `serve` resolves once `shutdown` has stopped it. */
export function greeterGrpcServer(
  port: number,
  log: (line: string) => void,
): { serve: ServeFunc; shutdown: ShutdownFunc } {
  const { Greeter, Health } = loadGreeterServices();
  const server = new Server();
  server.addService(Greeter.service, greeter);
  server.addService(Health.service, health);
  let stopped: () => void = () => {};
  return {
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
  };
}
