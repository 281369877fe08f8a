/**
 * The routes and methods of a gateway manifest, as pure functions: what a ServiceNode is built
 * from and checked against. Apart from src/v2/manifest.ts so that what the main entry reaches
 * for a v2 node does not load the manifest's file reading and strict JSON decoding.
 */
import type { GatewayManifest, HTTPRoute } from "./types.ts";

/** Go's string order (bytes of UTF-8, i.e. code points), which `<` on UTF-16 differs from past U+FFFF. */
export function compareStrings(left: string, right: string): number {
  return Buffer.compare(Buffer.from(left), Buffer.from(right));
}

/** The distinct values, in Go's string order. */
export function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareStrings);
}

/** A route in its normalized form: trimmed, method upper-cased, empty optional fields left out (Go's omitempty). */
function canonicalRoute(route: HTTPRoute): HTTPRoute {
  const canonical: HTTPRoute = {
    httpMethod: route.httpMethod.trim().toUpperCase(),
    path: route.path.trim(),
  };
  const fullMethod = (route.fullMethod ?? "").trim();
  const upstreamPath = (route.upstreamPath ?? "").trim();
  if (fullMethod) canonical.fullMethod = fullMethod;
  if (upstreamPath) canonical.upstreamPath = upstreamPath;
  if (route.stripPrefix) canonical.stripPrefix = true;
  return canonical;
}

/**
 * One route normalized and checked on its own, with the manifest's texts. A ServiceNode's
 * validation reuses these texts as they are (protocol.md: the Go client does).
 */
export function normalizeHTTPRoute(
  route: HTTPRoute,
  index: number,
): { route: HTTPRoute; problems: string[] } {
  const normalized = canonicalRoute(route);
  const { httpMethod, path, fullMethod, upstreamPath, stripPrefix } = normalized;
  const at = `gateway manifest routes[${index}]`;
  const problems: string[] = [];
  if (!httpMethod) problems.push(`${at}.http_method is required`);
  if (!path) problems.push(`${at}.path is required`);
  else if (!path.startsWith("/")) problems.push(`gateway manifest route path must start with /: ${path}`);
  if (fullMethod && !fullMethod.startsWith("/")) {
    problems.push(`gateway manifest route full_method must start with /: ${fullMethod}`);
  }
  if (fullMethod && upstreamPath) problems.push(`${at}.upstream_path is only allowed for http proxy routes`);
  if (fullMethod && stripPrefix) problems.push(`${at}.strip_prefix is only allowed for http proxy routes`);
  if (upstreamPath && !upstreamPath.startsWith("/")) {
    problems.push(`gateway manifest route upstream_path must start with /: ${upstreamPath}`);
  }
  if (upstreamPath && /[ \t\r\n?#]/.test(upstreamPath)) {
    problems.push(
      `gateway manifest route upstream_path must not contain whitespace, query or fragment: ${upstreamPath}`,
    );
  }
  if (!fullMethod && upstreamPath && stripPrefix) {
    problems.push(`${at}.upstream_path and strip_prefix cannot be set together`);
  }
  return { route: normalized, problems };
}

/** A transcoding route's method is cross-checked only when it is well-formed (else its own text says so). */
export function transcodedMethod(route: HTTPRoute): string | undefined {
  return route.fullMethod?.startsWith("/") ? route.fullMethod : undefined;
}

/** `METHOD path`, the key two routes must not share; undefined while either part is missing. */
export function routeKey(route: HTTPRoute): string | undefined {
  return route.httpMethod && route.path ? `${route.httpMethod} ${route.path}` : undefined;
}

/** Every method of every service, trimmed, de-duplicated, sorted (Go `MethodPaths`). */
export function methodPaths(manifest: GatewayManifest): string[] {
  const methods = manifest.services.flatMap((service) => service.methods.map((method) => method.trim()));
  return sortedUnique(methods.filter((method) => method !== ""));
}

/** A copy of the routes that shares nothing with the manifest (Go `HTTPRoutesCopy`); empty when none. */
export function httpRoutesCopy(manifest: GatewayManifest): HTTPRoute[] {
  return manifest.routes.map((route) => ({ ...route }));
}

/** The number of services the manifest declares (Go `ServiceCount`). */
export function serviceCount(manifest: GatewayManifest): number {
  return manifest.services.length;
}
