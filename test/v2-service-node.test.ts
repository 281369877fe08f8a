/** The v2 ServiceNode: built from options and manifest with the framework's defaults, and every problem the agent would refuse. */
import { describe, expect, it } from "vitest";
import { InvalidRegistrationError } from "../src/agent/validate.ts";
import { InvalidServiceNodeError } from "../src/v2/errors.ts";
import { newInstanceId, processInstanceId } from "../src/v2/instance-id.ts";
import { GatewayManifestSchema } from "../src/v2/manifest.ts";
import {
  buildDeregisterRequest,
  buildDNS,
  buildDrainRequest,
  DefaultClusterDomain,
  DefaultServicePort,
  DefaultServiceType,
  DefaultV2ServiceNamespace,
  DefaultV2ServiceWeight,
  formatRFC3339,
  newServiceNode,
  serviceNodeProblems,
  validateServiceNode,
} from "../src/v2/service-node.ts";
import type { GatewayManifest, ServiceNode, ServiceOptions } from "../src/v2/types.ts";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/;
const LOGIN = "/acme.auth.v1.AuthService/Login";
const LOGOUT = "/acme.auth.v1.AuthService/Logout";

function sampleManifest(): GatewayManifest {
  return {
    schema: GatewayManifestSchema,
    services: [
      { name: "acme.auth.v1.AuthService", methods: [LOGIN, LOGOUT] },
      { name: "acme.auth.v1.TokenService", methods: ["/acme.auth.v1.TokenService/Refresh"] },
    ],
    routes: [{ httpMethod: "POST", path: "/v1/login", fullMethod: LOGIN }],
  };
}

function minimalOptions(): ServiceOptions {
  return {
    app: { id: "10001", env: "prod", name: "auth", version: "v1.0.0" },
    service: { name: "auth" },
    protocol: "grpc",
    serverPort: 9090,
  };
}

function validNode(): ServiceNode {
  return newServiceNode(minimalOptions(), sampleManifest());
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

describe("newServiceNode: defaults and normalization", () => {
  it("applies the Go framework's defaults and a Node.js kernel", () => {
    const node = validNode();
    expect(node.service).toEqual({
      name: "auth",
      type: DefaultServiceType,
      namespace: DefaultV2ServiceNamespace,
      clusterDomain: DefaultClusterDomain,
      port: DefaultServicePort,
      weight: DefaultV2ServiceWeight,
    });
    expect([DefaultServiceType, DefaultV2ServiceNamespace, DefaultClusterDomain]).toEqual([
      "svc",
      "default",
      "cluster.local",
    ]);
    expect([DefaultServicePort, DefaultV2ServiceWeight]).toEqual([9090, 100]);
    expect(node.kernel).toEqual({ language: "Node.js", version: process.version });
    expect(node.managedPort).toBe(0);
    expect(node.dns).toBe("auth.default.svc.cluster.local");
  });

  it("keeps what is given, trimmed, and fills in each kernel field left out", () => {
    const node = newServiceNode(
      {
        app: { id: " 1 ", env: " dev ", name: " api ", version: " v2 ", instanceId: " my-instance " },
        kernel: { language: " Bun " },
        service: {
          name: " api ",
          type: " headless ",
          namespace: " ns ",
          clusterDomain: " c.l ",
          port: 80,
          weight: 5,
        },
        protocol: " http ",
        serverPort: 8080,
        managedPort: 8081,
      },
      sampleManifest(),
    );
    expect(node.app).toEqual({
      id: "1",
      env: "dev",
      name: "api",
      secret: "",
      version: "v2",
      instanceId: "my-instance",
    });
    expect(node.kernel).toEqual({ language: "Bun", version: process.version });
    expect(node.service).toEqual({
      name: "api",
      type: "headless",
      namespace: "ns",
      clusterDomain: "c.l",
      port: 80,
      weight: 5,
    });
    expect([node.protocol, node.serverPort, node.managedPort]).toEqual(["http", 8080, 8081]);
    expect(node.dns).toBe("api.ns.headless.c.l");
  });

  it("blanks app.secret even when it is given", () => {
    const options = minimalOptions();
    options.app.secret = "s3cret";
    expect(newServiceNode(options, sampleManifest()).app.secret).toBe("");
  });

  it("takes this process's UUIDv7 when no instance id is given, the same for every node", () => {
    const first = validNode();
    const blank = minimalOptions();
    blank.app.instanceId = "  ";
    const second = newServiceNode(blank, sampleManifest());
    expect(first.app.instanceId).toMatch(UUID_V7);
    expect(second.app.instanceId).toBe(first.app.instanceId);
    expect(processInstanceId()).toBe(first.app.instanceId);
  });

  it("newInstanceId makes a fresh UUIDv7 every time", () => {
    const [one, two] = [newInstanceId(), newInstanceId()];
    expect(one).toMatch(UUID_V7);
    expect(two).toMatch(UUID_V7);
    expect(two).not.toBe(one);
  });

  it("takes protoCount, methods and routes from the manifest", () => {
    const node = validNode();
    expect(node.protoCount).toBe(2);
    expect(node.methods).toEqual([LOGIN, LOGOUT, "/acme.auth.v1.TokenService/Refresh"]);
    expect(node.httpRoutes).toEqual([{ httpMethod: "POST", path: "/v1/login", fullMethod: LOGIN }]);
  });

  it("stamps runDate as Go's RFC 3339: local time, whole seconds", () => {
    const now = new Date("2026-07-02T02:00:00.789Z");
    const node = newServiceNode(minimalOptions(), sampleManifest(), now);
    expect(node.runDate).toMatch(RFC3339);
    expect(node.runDate).toBe(formatRFC3339(now));
    expect(new Date(node.runDate).getTime()).toBe(Date.parse("2026-07-02T02:00:00Z"));
  });

  it.each([
    [480, "2026-07-02T10:00:00+08:00"],
    [0, "2026-07-02T02:00:00Z"],
    [-330, "2026-07-01T20:30:00-05:30"],
    [345, "2026-07-02T07:45:00+05:45"],
  ])("formatRFC3339 at offset %d minutes writes %s", (offset, text) => {
    expect(formatRFC3339(new Date("2026-07-02T02:00:00.5Z"), offset)).toBe(text);
  });

  it("changes neither input and shares no array with them", () => {
    const options = deepFreeze(minimalOptions());
    const manifest = deepFreeze(sampleManifest());
    const node = newServiceNode(options, manifest);
    node.methods.push("/x/Y");
    (node.httpRoutes[0] as { path: string }).path = "/changed";
    expect(options).toEqual(minimalOptions());
    expect(manifest).toEqual(sampleManifest());
  });

  it("buildDNS joins name, namespace, type and cluster domain, without a port", () => {
    expect(buildDNS({ name: "a", namespace: "b", type: "c", clusterDomain: "d", port: 1, weight: 1 })).toBe(
      "a.b.c.d",
    );
  });
});

describe("serviceNodeProblems: every text", () => {
  const route = { httpMethod: "POST", path: "/v1/login", fullMethod: LOGIN };
  type Change = (node: ServiceNode) => void;
  const blanks: Array<[string, Change]> = [
    ["app.id", (node) => (node.app.id = " ")],
    ["app.instance_id", (node) => (node.app.instanceId = "")],
    ["app.name", (node) => (node.app.name = "")],
    ["app.env", (node) => (node.app.env = "")],
    ["app.version", (node) => (node.app.version = "")],
    ["kernel.language", (node) => (node.kernel.language = "")],
    ["kernel.version", (node) => (node.kernel.version = "")],
    ["service.name", (node) => (node.service.name = "")],
    ["service.namespace", (node) => (node.service.namespace = "")],
    ["protocol", (node) => (node.protocol = "")],
    ["dns", (node) => (node.dns = "")],
  ];
  it.each(blanks)("a blank %s is required", (field, change) => {
    const node = validNode();
    change(node);
    expect(serviceNodeProblems(node)).toEqual([`${field} is required`]);
  });

  it.each<[string, Change, string]>([
    ["server_port 0", (node) => (node.serverPort = 0), "server_port is invalid: 0"],
    ["server_port 70000", (node) => (node.serverPort = 70_000), "server_port is invalid: 70000"],
    ["service.port 0", (node) => (node.service.port = 0), "service.port is invalid: 0"],
    ["managed_port -1", (node) => (node.managedPort = -1), "managed_port is invalid: -1"],
    ["weight 0", (node) => (node.service.weight = 0), "service.weight must be greater than zero"],
    ["weight 1.5", (node) => (node.service.weight = 1.5), "service.weight is invalid: 1.5"],
    [
      "no methods (and so no routes)",
      (node) => {
        node.methods = [];
        node.httpRoutes = [];
      },
      "methods must not be empty",
    ],
    ["a method without /", (node) => node.methods.push("Login"), "method is invalid: Login"],
    [
      "a route without http_method (the manifest's text)",
      (node) => (node.httpRoutes = [{ ...route, httpMethod: "" }]),
      "gateway manifest routes[0].http_method is required",
    ],
    [
      "a route with both upstream_path and strip_prefix (the manifest's text)",
      (node) =>
        (node.httpRoutes = [{ httpMethod: "GET", path: "/f", upstreamPath: "/g", stripPrefix: true }]),
      "gateway manifest routes[0].upstream_path and strip_prefix cannot be set together",
    ],
    [
      "a transcoding route to an undeclared method",
      (node) => (node.httpRoutes = [{ ...route, fullMethod: "/acme.auth.v1.AuthService/Register" }]),
      "http_routes[0].full_method is not declared in methods: /acme.auth.v1.AuthService/Register",
    ],
    [
      "two routes on one METHOD path",
      (node) => (node.httpRoutes = [route, { ...route, httpMethod: "post", fullMethod: LOGOUT }]),
      "duplicate http route: POST /v1/login",
    ],
    [
      "transcoding and proxy routes together",
      (node) => (node.httpRoutes = [route, { httpMethod: "GET", path: "/files" }]),
      "http_routes must not mix grpc transcoding and http proxy routes",
    ],
  ])("%s", (_what, change, text) => {
    const node = validNode();
    change(node);
    expect(serviceNodeProblems(node)).toEqual([text]);
  });

  it("finds nothing wrong with a node built from valid options and manifest", () => {
    expect(serviceNodeProblems(validNode())).toEqual([]);
  });

  it("lists every problem in protocol.md's order", () => {
    const node = validNode();
    node.app.id = "";
    node.dns = "";
    node.serverPort = 0;
    node.service.weight = 0;
    node.methods = ["Login"];
    node.httpRoutes = [{ ...route, fullMethod: LOGOUT }];
    expect(serviceNodeProblems(node)).toEqual([
      "app.id is required",
      "dns is required",
      "server_port is invalid: 0",
      "service.weight must be greater than zero",
      "method is invalid: Login",
      `http_routes[0].full_method is not declared in methods: ${LOGOUT}`,
    ]);
  });
});

describe("validateServiceNode", () => {
  it("returns a valid node as it is", () => {
    const node = validNode();
    expect(validateServiceNode(node)).toBe(node);
  });

  it("throws one InvalidServiceNodeError (an InvalidRegistrationError) naming the service and every problem", () => {
    const node = { ...validNode(), serverPort: 0, methods: [] };
    let thrown: unknown;
    try {
      validateServiceNode(node);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidServiceNodeError);
    expect(thrown).toBeInstanceOf(InvalidRegistrationError);
    const error = thrown as InvalidServiceNodeError;
    expect(error.name).toBe("InvalidServiceNodeError");
    expect(error.kind).toBe("runtime_error");
    expect(error.instance).toBe(`10001/${node.app.instanceId}`);
    expect(error.problems).toEqual([
      "server_port is invalid: 0",
      "methods must not be empty",
      "http_routes[0].full_method is not declared in methods: /acme.auth.v1.AuthService/Login",
    ]);
    expect(error.message).toBe(
      `invalid registration for service "auth" instance 10001/${node.app.instanceId}: ${error.problems.join("; ")}`,
    );
  });
});

describe("drain and deregister requests", () => {
  it("carry the node's app id and instance id", () => {
    const node = newServiceNode(
      { ...minimalOptions(), app: { ...minimalOptions().app, instanceId: "i-1" } },
      sampleManifest(),
    );
    expect(buildDrainRequest(node, "20s")).toEqual({
      appId: "10001",
      appInstanceId: "i-1",
      gracePeriod: "20s",
    });
    expect(buildDrainRequest(node, "")).toEqual({ appId: "10001", appInstanceId: "i-1", gracePeriod: "" });
    expect(buildDeregisterRequest(node)).toEqual({ appId: "10001", appInstanceId: "i-1" });
  });
});

describe("serviceNodeProblems: a node built by hand", () => {
  it("names the parts a node lacks instead of throwing a TypeError", () => {
    const node = { ...validNode(), kernel: undefined, methods: undefined, httpRoutes: "none" };
    expect(serviceNodeProblems(node as unknown as ServiceNode)).toEqual([
      "kernel.language is required",
      "kernel.version is required",
      "methods must be a list of method paths",
      "http_routes must be a list of routes",
    ]);
  });

  it("reports a method that is not a string as invalid", () => {
    const node = { ...validNode(), methods: [LOGIN, 7] };
    expect(serviceNodeProblems(node as unknown as ServiceNode)).toEqual(["method is invalid: 7"]);
  });

  it("throws InvalidServiceNodeError naming what it can when app and service are missing", () => {
    const node = { ...validNode(), app: undefined, service: undefined };
    expect(() => validateServiceNode(node as unknown as ServiceNode)).toThrow(InvalidServiceNodeError);
    expect(() => validateServiceNode(node as unknown as ServiceNode)).toThrow(
      /^invalid registration for service "\(no service\.name\)" instance \(no app\.id\)\/\(no app\.instance_id\): /,
    );
    expect(serviceNodeProblems(node as unknown as ServiceNode)).toEqual(
      expect.arrayContaining([
        "app.id is required",
        "app.instance_id is required",
        "service.name is required",
        "service.port is invalid: undefined",
        "service.weight must be greater than zero",
      ]),
    );
  });
});
