/**
 * Contract v2 on the wire (snake_case JSON, protocol.md "Contract v2"), read back as a Go agent
 * reads it (for the dev agent): the bodies a client sends (written in wire-bodies.ts), and a
 * service's options file (for the CLI's `--service-options`).
 */
import { DecodeError } from "../agent/decode-error.ts";
import { Fields } from "./json-fields.ts";
import type { DeregisterRequest, DrainRequest, HTTPRoute, ServiceNode, ServiceOptions } from "./types.ts";

// A Go agent matches JSON keys case-insensitively and ignores unknown ones: so does this reading.
const AS_GO = { fold: true };

function isObject(body: unknown): body is Record<string, unknown> {
  return typeof body === "object" && body !== null && !Array.isArray(body);
}

/**
 * Whether a register, drain or deregister body speaks contract v2, from its shape: a v2 register
 * carries an `app` object; a v2 drain or deregister carries `app_id` or `app_instance_id` and no
 * `name` (a v1 register has `app_id` too, but always beside `name`).
 */
export function isV2Body(body: unknown): boolean {
  if (!isObject(body)) return false;
  const fields = Fields.root(body, AS_GO);
  if (isObject(fields.get("app"))) return true;
  return (fields.has("app_id") || fields.has("app_instance_id")) && !fields.has("name");
}

function fromWireRoute(fields: Fields): HTTPRoute {
  const route: HTTPRoute = { httpMethod: fields.string("http_method"), path: fields.string("path") };
  const fullMethod = fields.string("full_method");
  const upstreamPath = fields.string("upstream_path");
  if (fullMethod) route.fullMethod = fullMethod;
  if (upstreamPath) route.upstreamPath = upstreamPath;
  if (fields.boolean("strip_prefix")) route.stripPrefix = true;
  return route;
}

/**
 * A v2 `/register` body as a Go agent reads it: unknown fields ignored, keys matched
 * case-insensitively (`Language`, `language`, `LANGUAGE`), what is absent or null the zero value;
 * a field of the wrong type is a DecodeError naming it (`field "service.port" must be a number, got string`).
 */
export function decodeWireNode(body: unknown): ServiceNode {
  const root = Fields.root(body, AS_GO);
  const app = root.object("app");
  const kernel = root.object("kernel");
  const service = root.object("service");
  return {
    app: {
      id: app.string("id"),
      env: app.string("env"),
      name: app.string("name"),
      secret: app.string("secret"),
      version: app.string("version"),
      instanceId: app.string("instance_id"),
    },
    kernel: { language: kernel.string("language"), version: kernel.string("version") },
    service: {
      name: service.string("name"),
      type: service.string("type"),
      namespace: service.string("namespace"),
      clusterDomain: service.string("cluster_domain"),
      port: service.uint("port"),
      weight: service.uint("weight"),
    },
    protocol: root.string("protocol"),
    serverPort: root.uint("server_port"),
    managedPort: root.uint("managed_port"),
    dns: root.string("dns"),
    runDate: root.string("run_date"),
    protoCount: root.uint("proto_count"),
    methods: root.strings("methods"),
    httpRoutes: root.objects("http_routes").map(fromWireRoute),
  };
}

/** A v2 `/drain` body as a Go agent reads it (see decodeWireNode). */
export function decodeWireDrain(body: unknown): DrainRequest {
  const root = Fields.root(body, AS_GO);
  return {
    appId: root.string("app_id"),
    appInstanceId: root.string("app_instance_id"),
    gracePeriod: root.string("grace_period"),
  };
}

/** A v2 `/deregister` body as a Go agent reads it (see decodeWireNode). */
export function decodeWireDeregister(body: unknown): DeregisterRequest {
  const root = Fields.root(body, AS_GO);
  return { appId: root.string("app_id"), appInstanceId: root.string("app_instance_id") };
}

const STRICT = { fold: false };

function readServiceOptions(json: unknown): ServiceOptions {
  const root = Fields.root(json, STRICT).only([
    "app",
    "kernel",
    "service",
    "protocol",
    "server_port",
    "managed_port",
  ]);
  const app = root.object("app").only(["id", "env", "name", "secret", "version", "instance_id"]);
  const service = root
    .object("service")
    .only(["name", "type", "namespace", "cluster_domain", "port", "weight"]);
  const options: ServiceOptions = {
    app: {
      id: app.string("id"),
      env: app.string("env"),
      name: app.string("name"),
      version: app.string("version"),
    },
    service: { name: service.string("name") },
    protocol: root.string("protocol"),
    serverPort: root.uint("server_port"),
  };
  if (app.has("secret")) options.app.secret = app.string("secret");
  if (app.has("instance_id")) options.app.instanceId = app.string("instance_id");
  if (root.has("kernel")) {
    // Either spelling: what the Go client sends (`Language`) or its options' own (`language`).
    const kernel = root.objectFolded("kernel").only(["language", "version"]);
    options.kernel = {};
    if (kernel.has("language")) options.kernel.language = kernel.string("language");
    if (kernel.has("version")) options.kernel.version = kernel.string("version");
  }
  if (service.has("type")) options.service.type = service.string("type");
  if (service.has("namespace")) options.service.namespace = service.string("namespace");
  if (service.has("cluster_domain")) options.service.clusterDomain = service.string("cluster_domain");
  if (service.has("port")) options.service.port = service.uint("port");
  if (service.has("weight")) options.service.weight = service.uint("weight");
  if (root.has("managed_port")) options.managedPort = root.uint("managed_port");
  return options;
}

/**
 * A service's options from JSON (`--service-options <file.json>`), keys as protocol.md's "The
 * service's options": unknown fields and wrong types are refused with a DecodeError naming the
 * field and `source` (`service options "svc.json": unknown field "app.secrets"`). What is left
 * out gets newServiceNode's defaults; missing required fields are reported by the node's check.
 */
export function serviceOptionsFromWire(json: unknown, source: string): ServiceOptions {
  try {
    return readServiceOptions(json);
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    throw new DecodeError(`service options ${JSON.stringify(source)}: ${error.message}`, { cause: error });
  }
}
