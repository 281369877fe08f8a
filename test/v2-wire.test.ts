/** Contract v2 on the wire: protocol.md's register body key by key, the Go agent's reading of it, and the CLI's options file. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DecodeError } from "../src/dev-agent/decode.ts";
import { loadGatewayManifest } from "../src/v2/manifest.ts";
import { buildDeregisterRequest, buildDrainRequest, newServiceNode } from "../src/v2/service-node.ts";
import type { ServiceNode } from "../src/v2/types.ts";
import {
  decodeWireDeregister,
  decodeWireDrain,
  decodeWireNode,
  isV2Body,
  serviceOptionsFromWire,
} from "../src/v2/wire.ts";
import { toWireDeregister, toWireDrain, toWireNode } from "../src/v2/wire-bodies.ts";

const FIXTURES = join(import.meta.dirname, "fixtures/v2");
const INSTANCE = "0193a5c2-7d4e-7f3a-9b1c-5e6f7a8b9c0d";
const RUN_DATE = "2026-07-02T10:00:00+08:00";

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, name), "utf8"));
}

/** protocol.md's sample node, from its sample manifest and options (instance id given, run date pinned). */
async function sampleNode(): Promise<ServiceNode> {
  const options = serviceOptionsFromWire(fixture("service-options.json"), "service-options.json");
  const manifest = await loadGatewayManifest(join(FIXTURES, "gateway.manifest.json"));
  return { ...newServiceNode(options, manifest), runDate: RUN_DATE };
}

function decodeFailure(decode: () => unknown): string {
  try {
    decode();
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
    return (error as Error).message;
  }
  throw new Error("decoded without an error");
}

describe("toWireNode", () => {
  it("sends protocol.md's sample body, key by key and in its order, secret blanked", async () => {
    const wire = toWireNode(await sampleNode());
    const expected = fixture("register-body.json");
    expect(wire).toEqual(expected);
    expect(JSON.stringify(wire)).toBe(JSON.stringify(expected));
    expect(wire.app.instance_id).toBe(INSTANCE);
  });

  it("never sends a secret, even one the node carries", async () => {
    const node = await sampleNode();
    expect(toWireNode({ ...node, app: { ...node.app, secret: "s3cret" } }).app.secret).toBe("");
  });

  it("leaves http_routes out when there are none, and empty route fields as Go's omitempty does", async () => {
    const node = await sampleNode();
    expect("http_routes" in toWireNode({ ...node, httpRoutes: [] })).toBe(false);
    const proxy = toWireNode({
      ...node,
      httpRoutes: [
        { httpMethod: "GET", path: "/files", fullMethod: "", upstreamPath: "/static", stripPrefix: false },
        { httpMethod: "GET", path: "/assets", stripPrefix: true },
      ],
    });
    expect(JSON.stringify(proxy.http_routes)).toBe(
      JSON.stringify([
        { http_method: "GET", path: "/files", upstream_path: "/static" },
        { http_method: "GET", path: "/assets", strip_prefix: true },
      ]),
    );
  });

  it("writes drain and deregister keyed by app id and instance id", async () => {
    const node = await sampleNode();
    expect(toWireDrain(buildDrainRequest(node, "20s"))).toEqual({
      app_id: "10001",
      app_instance_id: INSTANCE,
      grace_period: "20s",
    });
    expect(toWireDeregister(buildDeregisterRequest(node))).toEqual({
      app_id: "10001",
      app_instance_id: INSTANCE,
    });
  });
});

describe("isV2Body", () => {
  it.each<[string, unknown, boolean]>([
    ["a v2 register (app object)", fixture("register-body.json"), true],
    ["a v2 drain", { app_id: "10001", app_instance_id: INSTANCE, grace_period: "20s" }, true],
    ["a v2 deregister with only an instance id", { app_instance_id: INSTANCE }, true],
    ["a v1 register (app_id beside name)", { app_id: "10001", name: "auth", port: 9090 }, false],
    ["a v1 drain", { name: "auth", port: 9090, grace_period: "20s" }, false],
    ["a v1 deregister", { name: "auth", port: 9090 }, false],
    ["an app that is not an object", { app: "auth", name: "auth" }, false],
    ["an empty object", {}, false],
    ["an array", [], false],
    ["null", null, false],
  ])("%s → %s", (_what, body, v2) => {
    expect(isV2Body(body)).toBe(v2);
  });
});

describe("decodeWireNode: as a Go agent reads the body", () => {
  it("reads protocol.md's sample body back into the node, and round-trips", async () => {
    const body = fixture("register-body.json");
    const node = decodeWireNode(body);
    expect(node).toEqual(await sampleNode());
    expect(toWireNode(node)).toEqual(body);
  });

  it.each(["Language", "language", "LANGUAGE"])("reads the kernel key %s", (key) => {
    const node = decodeWireNode({ kernel: { [key]: "Go", version: "go1.25" } });
    expect(node.kernel).toEqual({ language: "Go", version: "go1.25" });
  });

  it("takes the last of two keys that match case-insensitively, as Go does", () => {
    expect(decodeWireNode({ kernel: { Language: "Go", language: "Node.js" } }).kernel.language).toBe(
      "Node.js",
    );
  });

  it("ignores unknown fields and reads absent or null ones as zero values", () => {
    const node = decodeWireNode({ extra: true, app: { id: "1", extra: 1 }, service: null, methods: null });
    expect(node).toEqual({
      app: { id: "1", env: "", name: "", secret: "", version: "", instanceId: "" },
      kernel: { language: "", version: "" },
      service: { name: "", type: "", namespace: "", clusterDomain: "", port: 0, weight: 0 },
      protocol: "",
      serverPort: 0,
      managedPort: 0,
      dns: "",
      runDate: "",
      protoCount: 0,
      methods: [],
      httpRoutes: [],
    });
  });

  it.each<[string, unknown, string]>([
    [
      "service.port a string",
      { service: { port: "9090" } },
      'field "service.port" must be a number, got string',
    ],
    [
      "server_port negative",
      { server_port: -1 },
      'field "server_port" must be a non-negative integer, got -1',
    ],
    [
      "service.weight fractional",
      { service: { weight: 1.5 } },
      'field "service.weight" must be a non-negative integer, got 1.5',
    ],
    ["app a string", { app: "auth" }, 'field "app" must be an object, got string'],
    ["methods an object", { methods: {} }, 'field "methods" must be an array, got object'],
    ["a method a number", { methods: ["/a/B", 1] }, 'field "methods[1]" must be a string, got number'],
    [
      "strip_prefix a string",
      { http_routes: [{ http_method: "GET", path: "/", strip_prefix: "true" }] },
      'field "http_routes[0].strip_prefix" must be a boolean, got string',
    ],
    [
      "kernel.Version a number",
      { kernel: { Version: 22 } },
      'field "kernel.version" must be a string, got number',
    ],
    ["the body an array", [], "expected a JSON object, got array"],
  ])("refuses %s, naming the field", (_what, body, message) => {
    expect(decodeFailure(() => decodeWireNode(body))).toBe(message);
  });
});

describe("decodeWireDrain / decodeWireDeregister", () => {
  it("read the instance key and grace period, absent fields empty", () => {
    expect(decodeWireDrain({ app_id: "1", APP_INSTANCE_ID: "i", grace_period: "5s", name: "x" })).toEqual({
      appId: "1",
      appInstanceId: "i",
      gracePeriod: "5s",
    });
    expect(decodeWireDrain({})).toEqual({ appId: "", appInstanceId: "", gracePeriod: "" });
    expect(decodeWireDeregister({ app_id: "1", app_instance_id: "i" })).toEqual({
      appId: "1",
      appInstanceId: "i",
    });
  });

  it("refuse a field of the wrong type, naming it", () => {
    expect(decodeFailure(() => decodeWireDrain({ grace_period: 20 }))).toBe(
      'field "grace_period" must be a string, got number',
    );
    expect(decodeFailure(() => decodeWireDeregister({ app_id: 10001 }))).toBe(
      'field "app_id" must be a string, got number',
    );
  });
});

describe("serviceOptionsFromWire", () => {
  it("reads protocol.md's options, leaving out what gets a default", () => {
    expect(serviceOptionsFromWire(fixture("service-options.json"), "svc.json")).toEqual({
      app: {
        id: "10001",
        env: "prod",
        name: "auth",
        secret: "s3cret",
        version: "v1.0.0",
        instanceId: INSTANCE,
      },
      kernel: { language: "Node.js", version: "v22.11.0" },
      service: { name: "auth" },
      protocol: "grpc",
      serverPort: 9090,
    });
  });

  it("reads every field, and the kernel in the Go client's spelling too", () => {
    const options = serviceOptionsFromWire(
      {
        app: { id: "1", env: "dev", name: "api", version: "v2" },
        kernel: { Language: "Go", Version: "go1.25" },
        service: { name: "api", type: "svc", namespace: "ns", cluster_domain: "c.l", port: 80, weight: 5 },
        protocol: "http",
        server_port: 8080,
        managed_port: 8081,
      },
      "svc.json",
    );
    expect(options.kernel).toEqual({ language: "Go", version: "go1.25" });
    expect(options.service).toEqual({
      name: "api",
      type: "svc",
      namespace: "ns",
      clusterDomain: "c.l",
      port: 80,
      weight: 5,
    });
    expect(options.managedPort).toBe(8081);
  });

  it("reads what is missing as empty, for the node's check to report", () => {
    expect(serviceOptionsFromWire({}, "svc.json")).toEqual({
      app: { id: "", env: "", name: "", version: "" },
      service: { name: "" },
      protocol: "",
      serverPort: 0,
    });
  });

  it.each<[string, unknown, string]>([
    ["an unknown top-level field", { serverPort: 1 }, 'unknown field "serverPort"'],
    ["an unknown app field", { app: { secrets: "x" } }, 'unknown field "app.secrets"'],
    [
      "an unknown service field",
      { service: { clusterDomain: "x" } },
      'unknown field "service.clusterDomain"',
    ],
    ["an unknown kernel field", { kernel: { lang: "Go" } }, 'unknown field "kernel.lang"'],
    ["a port that is a string", { server_port: "9090" }, 'field "server_port" must be a number, got string'],
    ["a document that is an array", [], "expected a JSON object, got array"],
  ])("refuses %s, naming the field and the file", (_what, json, detail) => {
    expect(decodeFailure(() => serviceOptionsFromWire(json, "svc.json"))).toBe(
      `service options "svc.json": ${detail}`,
    );
  });
});
