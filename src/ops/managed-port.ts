/**
 * The managed port: a small HTTP server (loopback by default) with the managed endpoints only.
 * Loaded on demand (dynamic import) when `managedPort` is set.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createManagedHandler, ManagedPaths } from "./handler.ts";
import type { MetricsView } from "./metrics.ts";

export interface ManagedPortAddress {
  host: string;
  port: number;
  /** `http://host:port`. */
  url: string;
}

export interface ManagedPortServer extends ManagedPortAddress {
  close(): Promise<void>;
}

/** The port could not be bound: names the option, the address and the system's reason. */
export class ManagedPortError extends Error {
  readonly code: string | undefined;

  constructor(host: string, port: number, cause: NodeJS.ErrnoException) {
    const why =
      cause.code === "EADDRINUSE"
        ? "is already in use by another process; choose another managedPort (0 picks a free one)"
        : `cannot be listened on (${cause.code ?? cause.message})`;
    super(`managedPort ${port} on ${host} ${why}`, { cause });
    this.name = "ManagedPortError";
    this.code = cause.code;
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

export async function startManagedPort(
  view: MetricsView,
  port: number,
  host: string,
): Promise<ManagedPortServer> {
  const handler = createManagedHandler(view);
  const server = createServer((req, res) => {
    if (handler(req, res)) return;
    res
      .writeHead(404, { "content-type": "application/json; charset=utf-8" })
      .end(`${JSON.stringify({ error: "not found", paths: ManagedPaths })}\n`);
  });
  try {
    await listen(server, port, host);
  } catch (error) {
    handler.close();
    throw new ManagedPortError(host, port, error as NodeJS.ErrnoException);
  }
  // Never what keeps a process alive: the lifecycle's own work does that.
  server.unref();
  const bound = (server.address() as AddressInfo).port;
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    host,
    port: bound,
    url: `http://${shown}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        handler.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
