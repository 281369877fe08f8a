/**
 * The local live inspector: one loopback HTTP server that
 *  - receives services over WebSocket, speaking the `@statelyai/inspect` protocol (a service
 *    points `createWebSocketInspector({ url })` or SIDECAR_LIFECYCLE_INSPECT at `wsURL`), and
 *  - serves the page (plain ES module + elkjs's browser build, no bundler), the chart as a
 *    graph (`/chart.json`) and every service's live state as server-sent events (`/events`).
 * It binds 127.0.0.1 only: it has no authentication, and shows (and takes) service state.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { WebSocketServer } from "ws";
import { lifecycleMachine } from "../../machines/lifecycle.machine.ts";
import { chartGraph, type StateDefinition } from "./chart-graph.ts";
import { InspectorSessions, type ServiceUpdate } from "./sessions.ts";

export const DefaultInspectorPort = 15020;

export interface InspectorServerOptions {
  /** Default 15020; 0 picks a free port. */
  port?: number;
}

const host = "127.0.0.1";
/** A browser tab that stops reading `/events` is cut off past this; its EventSource reconnects. */
const maxUnsentEventBytes = 1024 * 1024;

export interface InspectorServer {
  /** The page. */
  readonly url: string;
  /** What services send inspection events to (`inspect` option, SIDECAR_LIFECYCLE_INSPECT). */
  readonly wsURL: string;
  readonly sessions: InspectorSessions;
  close(): Promise<void>;
}

/** The page's files, found from here in the source tree (src/inspector) and in dist/src/inspector. */
function assetsDirectory(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 4; depth++) {
    const candidate = join(dir, "visualizer", "inspector");
    if (existsSync(join(candidate, "index.html"))) return candidate;
    dir = dirname(dir);
  }
  throw new Error("inspector page not found: visualizer/inspector/index.html is missing from the package");
}

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/** The path of a request target, or undefined when it is not one (e.g. `http://[`). */
function pathOf(target: string | undefined): string | undefined {
  try {
    return new URL(target ?? "/", "http://inspector").pathname;
  } catch {
    return undefined;
  }
}

export async function startInspectorServer(options: InspectorServerOptions = {}): Promise<InspectorServer> {
  const assets = assetsDirectory();
  const files: Record<string, string> = {
    "/": join(assets, "index.html"),
    "/page.js": join(assets, "page.js"),
    "/style.css": join(assets, "style.css"),
    "/vendor/elk.bundled.js": createRequire(import.meta.url).resolve("elkjs/lib/elk.bundled.js"),
  };
  // Through JSON first: the definition's targets become `#id` strings, as in the committed export.
  const definition = JSON.parse(JSON.stringify(lifecycleMachine.toJSON())) as StateDefinition;
  const chart = JSON.stringify(chartGraph(definition));
  const sessions = new InspectorSessions();
  const streams = new Set<ServerResponse>();

  const sendEvents = (res: ServerResponse, req: IncomingMessage) => {
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-store",
      connection: "keep-alive",
    });
    res.write(`event: services\ndata: ${JSON.stringify(sessions.list())}\n\n`);
    streams.add(res);
    req.on("close", () => streams.delete(res));
  };

  const server = createServer(async (req, res) => {
    // Only loopback names: a DNS-rebinding page (a name that resolves to 127.0.0.1) reads nothing.
    const port = (server.address() as AddressInfo).port;
    if (req.headers.host !== `${host}:${port}` && req.headers.host !== `localhost:${port}`) {
      res.writeHead(403, { "content-type": "text/plain" }).end(`host not allowed: ${req.headers.host}\n`);
      return;
    }
    const path = pathOf(req.url);
    if (path === undefined) {
      res.writeHead(400, { "content-type": "text/plain" }).end("bad request target\n");
      return;
    }
    try {
      if (req.method !== "GET") {
        res.writeHead(405, { allow: "GET" }).end();
      } else if (path === "/events") {
        sendEvents(res, req);
      } else if (path === "/chart.json") {
        res.writeHead(200, { "content-type": "application/json" }).end(chart);
      } else if (files[path]) {
        const file = files[path];
        const type = contentTypes[file.slice(file.lastIndexOf("."))] ?? "application/octet-stream";
        res.writeHead(200, { "content-type": type, "cache-control": "no-store" }).end(await readFile(file));
      } else {
        res.writeHead(404, { "content-type": "text/plain" }).end(`not found: ${path}\n`);
      }
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`${(error as Error).message}\n`);
    }
  });

  const unsubscribe = sessions.subscribe(({ service, entry, removed }: ServiceUpdate) => {
    // The page keeps its own log from the entries: the service's whole log goes out once, in `services`.
    const update = removed ? { id: service.id } : { service: { ...service, log: [] }, entry };
    const frame = `event: ${removed ? "removed" : "service"}\ndata: ${JSON.stringify(update)}\n\n`;
    for (const stream of streams) {
      if (stream.writableLength > maxUnsentEventBytes) stream.destroy();
      else stream.write(frame);
    }
  });

  // Services connect on any path, as @statelyai/inspect's own server accepts them. A browser
  // always sends Origin, a service (ws, Node) sends none: no web page can feed this inspector.
  const receivers = new WebSocketServer({
    server,
    maxPayload: 4 * 1024 * 1024,
    verifyClient: ({ req }: { req: IncomingMessage }) => req.headers.origin === undefined,
  });
  receivers.on("connection", (socket) => {
    socket.on("message", (data, isBinary) => {
      if (isBinary) return;
      try {
        sessions.ingest(data.toString(), socket);
      } catch {
        // Past ingest's checks, still unplaceable: dropped, unlogged (a sender could flood the log).
      }
    });
    // Oversized or broken frames: ws closes the socket after this, and "close" marks it gone.
    socket.on("error", () => {});
    socket.on("close", () => sessions.disconnected(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? DefaultInspectorPort, host, () => resolve());
  });
  const authority = `${host}:${(server.address() as AddressInfo).port}`;

  return {
    url: `http://${authority}/`,
    wsURL: `ws://${authority}`,
    sessions,
    async close() {
      unsubscribe();
      for (const stream of streams) stream.end();
      for (const socket of receivers.clients) socket.terminate();
      await new Promise<void>((resolve) => receivers.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
