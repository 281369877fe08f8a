/**
 * Who may talk to a local tool that has no authentication (the dev agent): programs on this host,
 * never a web page open in a browser on it. A page can reach loopback in two ways, and each leaves
 * a mark the server can check:
 * - DNS rebinding: the page's own name resolves to 127.0.0.1, and its requests carry that name as
 *   `Host` (`evil.example:15010`). So only loopback names are answered: `127.0.0.1`, `localhost`,
 *   `[::1]`, the bound address, at the server's port. An IP literal cannot be rebound, so a server
 *   bound to a wildcard address (`0.0.0.0`, `::`) also answers under any IP literal.
 * - A cross-site request: a browser always sends `Origin` with one that can do harm (every POST,
 *   every EventSource); programs (undici, Go's net/http, curl) send none. So `Origin` is refused.
 * - A page can POST `text/plain` cross-site without asking first (no CORS preflight), never
 *   `application/json`: admin calls must say `application/json`.
 */
import { isIP } from "node:net";

const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "::1"];

/** `name` and port of a Host header (`[::1]:80` → `::1`, 80); the port is 80 when absent. */
function parseHost(header: string): { name: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(header.trim());
  if (!match) return undefined;
  return { name: (match[1] ?? match[2] ?? "").toLowerCase(), port: match[3] ? Number(match[3]) : 80 };
}

function isWildcard(address: string): boolean {
  return address === "0.0.0.0" || address === "::";
}

/** Why a request's `Host` is refused by a server bound to `bound`:`port`; undefined when allowed. */
export function hostRefusal(header: string | undefined, bound: string, port: number): string | undefined {
  const shown = header === undefined ? "(none)" : header;
  const host = header === undefined ? undefined : parseHost(header);
  const names = new Set([...LOOPBACK_NAMES, bound.toLowerCase()]);
  const nameAllowed =
    host !== undefined && (names.has(host.name) || (isWildcard(bound) && isIP(host.name) !== 0));
  if (nameAllowed && host.port === port) return undefined;
  return (
    `host not allowed: ${shown}: the dev agent answers only under a loopback name ` +
    `(127.0.0.1, localhost, [::1]${names.size > LOOPBACK_NAMES.length ? `, ${bound}` : ""}` +
    `${isWildcard(bound) ? " or any IP address" : ""}) at port ${port}; a web page's name is refused ` +
    "(DNS rebinding)"
  );
}

/** Why a request that carries `Origin` is refused; undefined when it carries none. */
export function originRefusal(origin: string | undefined): string | undefined {
  if (origin === undefined) return undefined;
  return (
    `request from a web page refused (Origin: ${origin}): the dev agent has no authentication, ` +
    "so only programs may call it; send the request without an Origin header"
  );
}

/** Why an admin POST's `Content-Type` is refused; undefined for `application/json` (any parameters). */
export function contentTypeRefusal(contentType: string | undefined): string | undefined {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  if (type === "application/json") return undefined;
  return (
    `content type not allowed: ${contentType ?? "(none)"}: admin calls must be sent with ` +
    "Content-Type: application/json"
  );
}
