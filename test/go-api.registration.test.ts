/** Models, registration builders and the agent's rules, checked before any request leaves. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadGreeterServices } from "../examples/greeter-proto.ts";
import {
  InvalidRegistrationError,
  JSONHTTPClient,
  newController,
  newServiceLifecycleFromGRPC,
  newServiceLifecycleFromServiceRegistration,
  newServiceRegistrationFromGRPC,
  newServiceRegistrationProvider,
  ServiceOptions,
  ServiceRegistrationProvider,
} from "../src/index.ts";
import { TestAgent } from "./support/agent.ts";
import { authRequest } from "./support/fixtures.ts";
import { authRegistration, fastOptions, untilState } from "./support/go-api.ts";

let agent: TestAgent;
beforeEach(async () => {
  agent = await TestAgent.start();
});
afterEach(async () => {
  await agent.close();
});

describe("ServiceOptions.bootstrap", () => {
  it("fills namespace, weight, retry, ttl and the running Node.js kernel", () => {
    const options = new ServiceOptions().bootstrap();
    expect(options).toMatchObject({
      namespace: "firefly",
      weight: 100,
      maxRetry: 3,
      ttl: 10,
      kernel: { language: "Node.js", version: process.version },
    });
  });

  it("keeps what is set and raises retry and ttl to their minimums", () => {
    const options = new ServiceOptions({
      namespace: " prod ",
      weight: 7,
      maxRetry: 1,
      ttl: 30,
      kernel: { language: "Bun", version: "1.1" },
    }).bootstrap();
    expect(options).toMatchObject({ namespace: "prod", weight: 7, maxRetry: 3, ttl: 30 });
    expect(options.kernel).toEqual({ language: "Bun", version: "1.1" });
  });
});

describe("ServiceRegistrationProvider.buildRegisterRequest", () => {
  it("trims, falls back as the reference does, and registers only enabled methods, sorted", async () => {
    const provider = newServiceRegistrationProvider({
      serviceName: "  auth ",
      namespace: " default",
      dns: "auth.default.svc.cluster.local ",
      env: "prod",
      port: 9090,
      protocol: "grpc",
      version: "v1.0.0",
      node: {
        weight: 40,
        meta: { appId: " 10001 " },
        kernel: { language: "Node.js", version: "v22.11.0" },
        methods: { "/b.Svc/Z": true, " /a.Svc/Y ": true, "/c.Svc/Off": false },
      },
    });
    expect(await provider.buildRegisterRequest()).toEqual({
      ...authRequest(),
      weight: 40,
      methods: ["/a.Svc/Y", "/b.Svc/Z"],
    });
  });

  it("defaults the weight to 100 and prefers the registration's own appId and weight", async () => {
    const registration = { ...authRegistration(), appId: "7", weight: 3 };
    registration.node = { ...registration.node, meta: { appId: "ignored" } };
    const request = await new ServiceRegistrationProvider(registration).buildRegisterRequest();
    expect([request.appId, request.weight]).toEqual(["7", 3]);
    // protocol.md's example registration builds protocol.md's example request, weight 100 included.
    const plain = await new ServiceRegistrationProvider(authRegistration()).buildRegisterRequest();
    expect(plain).toEqual(authRequest());
  });

  it("refuses a blank service name and a bad port together, at construction", () => {
    const build = () =>
      new ServiceRegistrationProvider({ ...authRegistration(), serviceName: " ", port: 70000 });
    expect(build).toThrow(InvalidRegistrationError);
    expect(build).toThrow(
      'invalid registration for service "" port 70000: serviceName is required; port is invalid: 70000',
    );
  });

  it("a blank service name does not hide the other problems", () => {
    const failure = (() => {
      try {
        new ServiceRegistrationProvider({ ...authRegistration(), serviceName: "", dns: " ", node: {} });
      } catch (error) {
        return error as InvalidRegistrationError;
      }
    })();
    expect(failure?.problems).toEqual([
      "serviceName is required",
      "dns is required",
      "kernel.language is required",
      "kernel.version is required",
      "methods must not be empty",
    ]);
  });
});

describe("a registration the agent would refuse", () => {
  it("fails before any request, with one error listing every problem in the agent's words", async () => {
    const bad = {
      serviceName: "auth",
      port: 9090,
      weight: -1, // not set: falls back to 100
      node: { methods: { Login: true } },
    };
    const failure = await newServiceLifecycleFromServiceRegistration(bad, fastOptions(agent)).catch((e) => e);
    expect(failure).toBeInstanceOf(InvalidRegistrationError);
    expect(failure.problems).toEqual([
      "app_id is required",
      "namespace is required",
      "dns is required",
      "env is required",
      "protocol is required",
      "version is required",
      "kernel.language is required",
      "kernel.version is required",
      "method is invalid: Login",
    ]);
    expect(failure.message).toBe(
      `invalid registration for service "auth" port 9090: ${failure.problems.join("; ")}`,
    );
    expect(agent.calls).toEqual([]);
    expect(agent.watchRequests).toBe(0);
  });

  it("a provider's request is checked too (newController), empty methods included", async () => {
    const client = new JSONHTTPClient(agent.url);
    const provider = {
      buildRegisterRequest: async () => ({
        ...(await new ServiceRegistrationProvider(authRegistration()).buildRegisterRequest()),
        methods: [],
        port: 0,
        weight: 0,
      }),
    };
    await expect(newController(client, provider)).rejects.toThrow(
      "port is invalid: 0; weight must be greater than zero; methods must not be empty",
    );
    await client.close();
    expect(agent.calls).toEqual([]);
  });
});

describe("newServiceRegistrationFromGRPC", () => {
  const { Greeter, Health } = loadGreeterServices();
  const grpcOptions = {
    appId: "10001",
    serviceName: "greeter",
    dns: "greeter.default.svc.cluster.local",
    env: "dev",
    port: 50051,
    version: "v1.0.0",
  };
  const protoPaths = [
    "/acme.greeter.v1.Greeter/SayGoodbye",
    "/acme.greeter.v1.Greeter/SayHello",
    "/acme.greeter.v1.Health/Check",
  ];

  it("takes every method path of grpc-js ServiceDefinitions, deduplicated and sorted", async () => {
    const registration = newServiceRegistrationFromGRPC({
      ...grpcOptions,
      rawServices: [Health, Greeter, Greeter.service],
    });
    expect(Object.keys(registration.node?.methods ?? {})).toEqual(protoPaths);
    expect(registration.node?.protoCount).toBe(3);
    const request = await new ServiceRegistrationProvider(registration).buildRegisterRequest();
    expect(request).toMatchObject({
      name: "greeter",
      appName: "greeter",
      namespace: "firefly",
      protocol: "grpc",
      weight: 100,
      kernel: { language: "Node.js", version: process.version },
      methods: protoPaths,
    });
  });

  it("registers exactly those paths at a real agent (newServiceLifecycleFromGRPC)", async () => {
    const lifecycle = await newServiceLifecycleFromGRPC(
      {
        ...grpcOptions,
        serviceOptions: new ServiceOptions({ namespace: "default", weight: 5 }),
        rawServices: [Greeter, Health],
      },
      fastOptions(agent),
    );
    lifecycle.start();
    await untilState(lifecycle.actor, "registered");
    const [call] = agent.callsTo("/register");
    expect(call?.body).toMatchObject({
      methods: protoPaths,
      namespace: "default",
      weight: 5,
      protocol: "grpc",
    });
    await lifecycle.shutdown();
  });

  it("refuses no services, a blank name and a bad port in one error", () => {
    expect(() =>
      newServiceRegistrationFromGRPC({ ...grpcOptions, serviceName: "", port: 0, rawServices: [] }),
    ).toThrow("serviceName is required; port is invalid: 0; methods must not be empty");
    expect(() => newServiceRegistrationFromGRPC({ ...grpcOptions, rawServices: [] })).toThrow(
      "methods must not be empty",
    );
  });
});
