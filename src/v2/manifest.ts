/**
 * The gateway manifest (protocol.md "The gateway manifest"): the only source of a v2 node's
 * methods and HTTP routes. Loading is strict (unknown fields, wrong types and trailing JSON are
 * refused), then the manifest is normalized and checked with the Go client's texts; unlike the
 * Go client, which stops at the first problem, every problem is reported in one error.
 */
import { readFile } from "node:fs/promises";
import { errorMessageOf } from "../../machines/errors.ts";
import { DecodeError } from "../agent/decode-error.ts";
import { GatewayManifestError } from "./errors.ts";
import { Fields } from "./json-fields.ts";
import { compareStrings, normalizeHTTPRoute, routeKey, sortedUnique, transcodedMethod } from "./routes.ts";
import type { GatewayManifest, GatewayManifestService, HTTPRoute } from "./types.ts";

export const GatewayManifestSchema = "firefly.gateway.manifest.v1";
export const DefaultGatewayManifestPath = "dep/protobuf/gen/gateway.manifest.json";

function compareRoutes(left: HTTPRoute, right: HTTPRoute): number {
  return (
    compareStrings(left.httpMethod, right.httpMethod) ||
    compareStrings(left.path, right.path) ||
    compareStrings(left.fullMethod ?? "", right.fullMethod ?? "") ||
    compareStrings(left.upstreamPath ?? "", right.upstreamPath ?? "") ||
    Number(left.stripPrefix ?? false) - Number(right.stripPrefix ?? false)
  );
}

function normalizeService(
  service: GatewayManifestService,
  index: number,
  problems: string[],
): GatewayManifestService {
  const name = service.name.trim();
  const at = `gateway manifest services[${index}]`;
  if (!name) problems.push(`${at}.name is required`);
  if (service.methods.length === 0) problems.push(`${at}.methods must not be empty`);
  const methods: string[] = [];
  service.methods.forEach((raw, methodIndex) => {
    const method = raw.trim();
    if (!method) problems.push(`${at}.methods[${methodIndex}] is required`);
    else if (!method.startsWith("/")) problems.push(`gateway manifest method must start with /: ${method}`);
    else if (name && !method.startsWith(`/${name}/`)) {
      problems.push(`gateway manifest method ${method} does not belong to service ${name}`);
    }
    if (method) methods.push(method);
  });
  return { name, methods: sortedUnique(methods) };
}

/**
 * The normalized copy of a manifest (names and methods trimmed, duplicate methods collapsed,
 * each service's methods sorted, services sorted by name; routes normalized and sorted), or a
 * GatewayManifestError listing every problem. The input is not changed.
 */
export function normalizeAndValidate(manifest: GatewayManifest): GatewayManifest {
  const problems: string[] = [];
  const schema = manifest.schema.trim();
  if (schema !== GatewayManifestSchema) {
    problems.push(`gateway manifest schema must be "${GatewayManifestSchema}"`);
  }
  if (manifest.services.length === 0) problems.push("gateway manifest services must not be empty");

  const serviceNames = new Set<string>();
  const services = manifest.services.map((raw, index) => {
    const service = normalizeService(raw, index, problems);
    if (service.name && serviceNames.has(service.name)) {
      problems.push(`gateway manifest duplicate service: ${service.name}`);
    }
    serviceNames.add(service.name);
    return service;
  });
  const declared = new Set(services.flatMap((service) => service.methods));

  const keys = new Set<string>();
  let transcoding = 0;
  let proxy = 0;
  const routes = manifest.routes.map((raw, index) => {
    const { route, problems: routeProblems } = normalizeHTTPRoute(raw, index);
    problems.push(...routeProblems);
    const method = transcodedMethod(route);
    if (method && !declared.has(method)) {
      problems.push(`gateway manifest routes[${index}].full_method is not declared in services: ${method}`);
    }
    if (route.fullMethod) transcoding++;
    else proxy++;
    const key = routeKey(route);
    if (key && keys.has(key)) problems.push(`gateway manifest duplicate http route: ${key}`);
    if (key) keys.add(key);
    return route;
  });
  if (transcoding > 0 && proxy > 0) {
    problems.push("gateway manifest routes must not mix grpc transcoding and http proxy routes");
  }

  if (problems.length > 0) throw new GatewayManifestError(undefined, "validate", problems);
  return {
    schema,
    services: services.sort((left, right) => compareStrings(left.name, right.name)),
    routes: routes.sort(compareRoutes),
  };
}

const JSON_SPACE = /^[ \t\n\r]*$/;

/** Where the first JSON value in `text` ends, by its brackets and strings alone (undefined if it never ends). */
function endOfFirstValue(text: string): number | undefined {
  let index = text.length - text.trimStart().length;
  if (index >= text.length) return undefined;
  if (!"{[".includes(text[index] as string) && text[index] !== '"') {
    const rest = text.slice(index).search(/[\s,:[\]{}"]/);
    return rest === -1 ? text.length : index + rest;
  }
  let depth = 0;
  let inString = false;
  for (; index < text.length; index++) {
    const char = text[index];
    if (inString) {
      if (char === "\\") index++;
      else if (char === '"') {
        inString = false;
        if (depth === 0) return index + 1;
      }
    } else if (char === '"') inString = true;
    else if (char === "{" || char === "[") depth++;
    else if (char === "}" || char === "]") {
      depth--;
      if (depth === 0) return index + 1;
    }
  }
  return undefined;
}

/** One JSON document; content after it is refused as the Go client refuses it ("trailing json content"). */
function parseOneDocument(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const end = endOfFirstValue(text);
    if (end !== undefined && !JSON_SPACE.test(text.slice(end))) {
      let first = false;
      try {
        JSON.parse(text.slice(0, end));
        first = true;
      } catch {}
      if (first) throw new DecodeError(`trailing json content after the document (at offset ${end})`);
    }
    throw new DecodeError(`invalid JSON: ${errorMessageOf(error)}`, { cause: error });
  }
}

const STRICT = { fold: false };

/**
 * The manifest's JSON, strictly: an unknown field anywhere, a field of the wrong type, or content
 * after the document is a DecodeError naming it (`unknown field "routes[0].verb"`). Not yet checked.
 */
export function decodeGatewayManifest(text: string): GatewayManifest {
  const root = Fields.root(parseOneDocument(text), STRICT).only(["schema", "services", "routes"]);
  return {
    schema: root.string("schema"),
    services: root.objects("services").map((service) => {
      service.only(["name", "methods"]);
      return { name: service.string("name"), methods: service.strings("methods") };
    }),
    routes: root.objects("routes").map((fields) => {
      fields.only(["http_method", "path", "full_method", "upstream_path", "strip_prefix"]);
      const route: HTTPRoute = { httpMethod: fields.string("http_method"), path: fields.string("path") };
      if (fields.has("full_method")) route.fullMethod = fields.string("full_method");
      if (fields.has("upstream_path")) route.upstreamPath = fields.string("upstream_path");
      if (fields.has("strip_prefix")) route.stripPrefix = fields.boolean("strip_prefix");
      return route;
    }),
  };
}

/**
 * Reads, strictly decodes, normalizes and checks `gateway.manifest.json` (Go `LoadGatewayManifest`).
 * Every failure is a GatewayManifestError whose texts are the Go client's, prefixed by the stage
 * and the path: `read gateway manifest "<path>": …`, `decode …`, `validate …` (one per problem).
 */
export async function loadGatewayManifest(path: string): Promise<GatewayManifest> {
  const file = path.trim();
  if (!file) throw new GatewayManifestError(undefined, "path", ["gateway manifest path is required"]);
  const quoted = JSON.stringify(file);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const problem = `read gateway manifest ${quoted}: ${errorMessageOf(error)}`;
    throw new GatewayManifestError(file, "read", [problem], { cause: error });
  }
  let manifest: GatewayManifest;
  try {
    manifest = decodeGatewayManifest(text);
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    const problem = `decode gateway manifest ${quoted}: ${error.message}`;
    throw new GatewayManifestError(file, "decode", [problem], { cause: error });
  }
  try {
    return normalizeAndValidate(manifest);
  } catch (error) {
    if (!(error instanceof GatewayManifestError)) throw error;
    const problems = error.problems.map((problem) => `validate gateway manifest ${quoted}: ${problem}`);
    throw new GatewayManifestError(file, "validate", problems);
  }
}
