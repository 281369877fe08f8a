/** Loads examples/proto/greeter.proto with @grpc/proto-loader; shared by the example and its tests. */
import { fileURLToPath } from "node:url";
import { type GrpcObject, loadPackageDefinition, type ServiceClientConstructor } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";

export const greeterProtoPath = fileURLToPath(new URL("./proto/greeter.proto", import.meta.url));

export interface GreeterServices {
  Greeter: ServiceClientConstructor;
  Health: ServiceClientConstructor;
}

export function loadGreeterServices(): GreeterServices {
  const definition = loadSync(greeterProtoPath, { keepCase: true, defaults: true });
  const root = loadPackageDefinition(definition);
  const pkg = ((root.acme as GrpcObject).greeter as GrpcObject).v1 as GrpcObject;
  return { Greeter: pkg.Greeter as ServiceClientConstructor, Health: pkg.Health as ServiceClientConstructor };
}
