/** The gateway manifest: strict loading from a real file, every check with its exact text, normalization. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SidecarLifecycleError } from "../machines/errors.ts";
import { DecodeError } from "../src/dev-agent/decode.ts";
import { GatewayManifestError } from "../src/v2/errors.ts";
import {
  DefaultGatewayManifestPath,
  GatewayManifestSchema,
  loadGatewayManifest,
  normalizeAndValidate,
} from "../src/v2/manifest.ts";
import { httpRoutesCopy, methodPaths, serviceCount } from "../src/v2/routes.ts";
import type { GatewayManifest, HTTPRoute } from "../src/v2/types.ts";

const SERVICE = "acme.auth.v1.AuthService";
const LOGIN = `/${SERVICE}/Login`;
const LOGOUT = `/${SERVICE}/Logout`;
const SAMPLE = join(import.meta.dirname, "fixtures/v2/gateway.manifest.json");

const dir = mkdtempSync(join(tmpdir(), "sidecar-v2-manifest-"));
let files = 0;

/** Writes `text` to a fresh file in the temp dir and returns its path. */
function manifestFile(text: string): string {
  const path = join(dir, `manifest-${++files}.json`);
  writeFileSync(path, text);
  return path;
}

function manifest(routes: HTTPRoute[] = []): GatewayManifest {
  return { schema: GatewayManifestSchema, services: [{ name: SERVICE, methods: [LOGIN, LOGOUT] }], routes };
}

async function loadError(path: string): Promise<GatewayManifestError> {
  const error = await loadGatewayManifest(path).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(GatewayManifestError);
  return error as GatewayManifestError;
}

function validateError(input: GatewayManifest): GatewayManifestError {
  try {
    normalizeAndValidate(input);
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayManifestError);
    return error as GatewayManifestError;
  }
  throw new Error("normalizeAndValidate accepted the manifest");
}

describe("gateway manifest: constants", () => {
  it("has the Go client's schema and default path", () => {
    expect(GatewayManifestSchema).toBe("firefly.gateway.manifest.v1");
    expect(DefaultGatewayManifestPath).toBe("dep/protobuf/gen/gateway.manifest.json");
  });
});

describe("loadGatewayManifest: reading and strict decoding", () => {
  it("loads protocol.md's sample manifest", async () => {
    expect(await loadGatewayManifest(SAMPLE)).toEqual({
      schema: GatewayManifestSchema,
      services: [{ name: SERVICE, methods: [LOGIN, LOGOUT] }],
      routes: [{ httpMethod: "POST", path: "/v1/login", fullMethod: LOGIN }],
    });
  });

  it("trims the path, and refuses a blank one", async () => {
    expect(await loadGatewayManifest(`  ${SAMPLE} `)).toMatchObject({ schema: GatewayManifestSchema });
    const error = await loadError("  ");
    expect(error.message).toBe("gateway manifest path is required");
    expect(error.stage).toBe("path");
    expect(error.kind).toBe("runtime_error");
    expect(error).toBeInstanceOf(SidecarLifecycleError);
  });

  it("names the file it cannot read and keeps the cause", async () => {
    const path = join(dir, "absent.json");
    const error = await loadError(path);
    expect(error.message).toMatch(new RegExp(`^read gateway manifest "${path}": ENOENT`));
    expect(error.stage).toBe("read");
    expect(error.path).toBe(path);
    expect((error.cause as NodeJS.ErrnoException).code).toBe("ENOENT");
  });

  const valid =
    '"schema": "firefly.gateway.manifest.v1", "services": [{"name": "a.S", "methods": ["/a.S/M"]}]';
  it.each([
    ["an unknown top-level field", `{${valid}, "verb": "GET"}`, 'unknown field "verb"'],
    [
      "an unknown field in a service",
      '{"schema": "firefly.gateway.manifest.v1", "services": [{"name": "a.S", "method": ["/a.S/M"]}]}',
      'unknown field "services[0].method"',
    ],
    [
      "an unknown field in a route",
      `{${valid}, "routes": [{"http_method": "GET", "path": "/m"}, {"path": "/n", "verb": "GET"}]}`,
      'unknown field "routes[1].verb"',
    ],
    ["a second document after the first", `{${valid}} {}`, "trailing json content after the document"],
    ["text after the document", `{${valid}}\n x`, "trailing json content after the document"],
    ["a schema that is a number", '{"schema": 1}', 'field "schema" must be a string, got number'],
    ["services that are an object", '{"services": {}}', 'field "services" must be an array, got object'],
    [
      "a service that is a string",
      '{"services": ["a.S"]}',
      'field "services[0]" must be an object, got string',
    ],
    [
      "a method that is a number",
      '{"services": [{"name": "a.S", "methods": ["/a.S/M", 7]}]}',
      'field "services[0].methods[1]" must be a string, got number',
    ],
    [
      "a strip_prefix that is a string",
      `{${valid}, "routes": [{"http_method": "GET", "path": "/m", "strip_prefix": "yes"}]}`,
      'field "routes[0].strip_prefix" must be a boolean, got string',
    ],
    ["a document that is an array", "[]", "expected a JSON object, got array"],
    ["text that is not JSON", "{schema:", "invalid JSON: "],
  ])("refuses %s, saying what and where", async (_what, text, detail) => {
    const path = manifestFile(text);
    const error = await loadError(path);
    expect(error.stage).toBe("decode");
    expect(error.problems).toHaveLength(1);
    expect(error.message.startsWith(`decode gateway manifest "${path}": ${detail}`)).toBe(true);
    expect(error.cause).toBeInstanceOf(DecodeError);
  });

  it("points at where the trailing content starts", async () => {
    const path = manifestFile(`{${valid}}  {}`);
    expect((await loadError(path)).message).toBe(
      `decode gateway manifest "${path}": trailing json content after the document (at offset ${valid.length + 2})`,
    );
  });

  it("reads null as the zero value, as Go's decoder does", async () => {
    const path = manifestFile(`{${valid}, "routes": null}`);
    expect((await loadGatewayManifest(path)).routes).toEqual([]);
  });

  it("prefixes every validation problem with the file and reports them all in one error", async () => {
    const path = manifestFile(
      JSON.stringify({
        schema: "v0",
        services: [{ name: SERVICE, methods: ["Login"] }],
        routes: [{ http_method: "", path: "/v1/login", full_method: LOGIN }],
      }),
    );
    const error = await loadError(path);
    const prefix = `validate gateway manifest "${path}": `;
    expect(error.stage).toBe("validate");
    expect(error.problems).toEqual([
      `${prefix}gateway manifest schema must be "firefly.gateway.manifest.v1"`,
      `${prefix}gateway manifest method must start with /: Login`,
      `${prefix}gateway manifest routes[0].http_method is required`,
      `${prefix}gateway manifest routes[0].full_method is not declared in services: ${LOGIN}`,
    ]);
    expect(error.message).toBe(error.problems.join("; "));
  });
});

describe("normalizeAndValidate: every check, one text each", () => {
  const login: HTTPRoute = { httpMethod: "POST", path: "/v1/login", fullMethod: LOGIN };
  const files: HTTPRoute = { httpMethod: "GET", path: "/files" };
  const withService = (name: string, methods: string[]): GatewayManifest => ({
    ...manifest(),
    services: [{ name, methods }],
  });

  it.each<[GatewayManifest, string]>([
    [
      { ...manifest(), schema: "firefly.gateway.manifest.v0" },
      'schema must be "firefly.gateway.manifest.v1"',
    ],
    [{ ...manifest(), services: [] }, "services must not be empty"],
    [withService(" ", ["/x.S/M"]), "services[0].name is required"],
    [
      { ...manifest(), services: [...manifest().services, { name: ` ${SERVICE} `, methods: [LOGIN] }] },
      `duplicate service: ${SERVICE}`,
    ],
    [withService(SERVICE, []), "services[0].methods must not be empty"],
    [withService(SERVICE, [LOGIN, " "]), "services[0].methods[1] is required"],
    [withService(SERVICE, ["Login"]), "method must start with /: Login"],
    [withService(SERVICE, ["/other.S/Login"]), `method /other.S/Login does not belong to service ${SERVICE}`],
    [manifest([{ ...login, httpMethod: " " }]), "routes[0].http_method is required"],
    [manifest([{ ...login, path: "" }]), "routes[0].path is required"],
    [manifest([{ ...login, path: "v1/login" }]), "route path must start with /: v1/login"],
    [
      manifest([{ ...login, fullMethod: `${SERVICE}/Login` }]),
      `route full_method must start with /: ${SERVICE}/Login`,
    ],
    [
      manifest([{ ...login, upstreamPath: "/login" }]),
      "routes[0].upstream_path is only allowed for http proxy routes",
    ],
    [
      manifest([{ ...login, stripPrefix: true }]),
      "routes[0].strip_prefix is only allowed for http proxy routes",
    ],
    [manifest([{ ...files, upstreamPath: "files" }]), "route upstream_path must start with /: files"],
    [
      manifest([{ ...files, upstreamPath: "/files?all=1" }]),
      "route upstream_path must not contain whitespace, query or fragment: /files?all=1",
    ],
    [
      manifest([{ ...files, upstreamPath: "/f", stripPrefix: true }]),
      "routes[0].upstream_path and strip_prefix cannot be set together",
    ],
    [
      manifest([{ ...login, fullMethod: `/${SERVICE}/Register` }]),
      `routes[0].full_method is not declared in services: /${SERVICE}/Register`,
    ],
    [
      manifest([login, { httpMethod: "post", path: " /v1/login ", fullMethod: LOGOUT }]),
      "duplicate http route: POST /v1/login",
    ],
    [manifest([login, files]), "routes must not mix grpc transcoding and http proxy routes"],
  ])("refuses with “gateway manifest %s”", (input, text) => {
    const error = validateError(input);
    expect(error.problems).toEqual([`gateway manifest ${text}`]);
    expect(error.message).toBe(`gateway manifest ${text}`);
    expect(error.path).toBeUndefined();
  });

  it("reports every problem of a route, and of every route, in one error", () => {
    const error = validateError(
      manifest([
        { httpMethod: "", path: "v1", fullMethod: LOGIN, upstreamPath: "up", stripPrefix: true },
        { httpMethod: "GET", path: "" },
      ]),
    );
    expect(error.problems).toEqual([
      "gateway manifest routes[0].http_method is required",
      "gateway manifest route path must start with /: v1",
      "gateway manifest routes[0].upstream_path is only allowed for http proxy routes",
      "gateway manifest routes[0].strip_prefix is only allowed for http proxy routes",
      "gateway manifest route upstream_path must start with /: up",
      "gateway manifest routes[1].path is required",
      "gateway manifest routes must not mix grpc transcoding and http proxy routes",
    ]);
  });
});

describe("normalizeAndValidate: the normalized copy", () => {
  const messy: GatewayManifest = {
    schema: ` ${GatewayManifestSchema} `,
    services: [
      { name: " b.S ", methods: [" /b.S/Z ", "/b.S/A", "/b.S/Z"] },
      { name: "a.S", methods: ["/a.S/M"] },
    ],
    routes: [
      { httpMethod: "get", path: "/z " },
      { httpMethod: " post ", path: "/a", upstreamPath: " /up ", fullMethod: " ", stripPrefix: false },
      { httpMethod: "GET", path: "/a", stripPrefix: true },
      { httpMethod: "GET", path: "/b", upstreamPath: "/b2" },
    ],
  };

  it("trims, upper-cases, collapses duplicate methods and sorts services, methods and routes", () => {
    expect(normalizeAndValidate(messy)).toEqual({
      schema: GatewayManifestSchema,
      services: [
        { name: "a.S", methods: ["/a.S/M"] },
        { name: "b.S", methods: ["/b.S/A", "/b.S/Z"] },
      ],
      routes: [
        { httpMethod: "GET", path: "/a", stripPrefix: true },
        { httpMethod: "GET", path: "/b", upstreamPath: "/b2" },
        { httpMethod: "GET", path: "/z" },
        { httpMethod: "POST", path: "/a", upstreamPath: "/up" },
      ],
    });
  });

  it("does not change its input", () => {
    const before = structuredClone(messy);
    normalizeAndValidate(messy);
    expect(messy).toEqual(before);
  });

  it("orders routes by method then path, in Go's byte order", () => {
    const routes: HTTPRoute[] = [
      { httpMethod: "GET", path: "/\u{1F600}" },
      { httpMethod: "GET", path: "/\uFF5E" },
      { httpMethod: "GET", path: "/p", stripPrefix: true },
      { httpMethod: "PUT", path: "/p" },
    ];
    const sorted = normalizeAndValidate({ ...manifest(), routes }).routes;
    // U+FF5E sorts before U+1F600 in UTF-8 (Go), after it in UTF-16 (JavaScript's `<`).
    expect(sorted.map((route) => `${route.httpMethod} ${route.path}`)).toEqual([
      "GET /p",
      "GET /\uFF5E",
      "GET /\u{1F600}",
      "PUT /p",
    ]);
  });
});

describe("the Go accessors", () => {
  const two: GatewayManifest = {
    schema: GatewayManifestSchema,
    services: [
      { name: "b.S", methods: ["/b.S/M", " /b.S/A"] },
      { name: "a.S", methods: ["/a.S/M", "/a.S/M"] },
    ],
    routes: [{ httpMethod: "GET", path: "/m", fullMethod: "/a.S/M" }],
  };

  it("methodPaths lists every method once, trimmed and sorted", () => {
    expect(methodPaths(two)).toEqual(["/a.S/M", "/b.S/A", "/b.S/M"]);
  });

  it("httpRoutesCopy shares no route with the manifest", () => {
    const copy = httpRoutesCopy(two);
    expect(copy).toEqual(two.routes);
    (copy[0] as HTTPRoute).path = "/changed";
    expect(two.routes[0]?.path).toBe("/m");
  });

  it("serviceCount counts the services", () => {
    expect(serviceCount(two)).toBe(2);
  });
});
