/**
 * The managed endpoints (`/health`, `/ready`, `/info`, `/metrics`) as a request handler to mount
 * in the service's own node:http server, as a Fastify plugin, or behind the managed port.
 * prom-client is imported when the handler is made (so its counts start then), never before.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TransitionInfo } from "./events.ts";
import type { LifecycleMetrics, MetricsView } from "./metrics.ts";
import { health, info, type ProbeAnswer, readiness } from "./probes.ts";

export const ManagedPaths = ["/health", "/ready", "/info", "/metrics"] as const;
export type ManagedPath = (typeof ManagedPaths)[number];

export interface ManagedHandlerOptions {
  /** A prom-client `Registry` to put the lifecycle's metrics on. Default: one of their own. */
  registry?: unknown;
  /** False serves no `/metrics` and loads no prom-client. Default true. */
  metrics?: boolean;
}

export interface ManagedAnswer {
  status: number;
  contentType: string;
  body: string;
}

export interface ManagedHandler {
  /** Answers a managed path and returns true; returns false (untouched) for any other request. */
  (req: IncomingMessage, res: ServerResponse): boolean;
  /** The answer for `path` (`/ready` …), or undefined when it is not a managed path. */
  answer(path: string): Promise<ManagedAnswer | undefined>;
  /** Stops counting for `/metrics`. */
  close(): void;
}

const JSON_TYPE = "application/json; charset=utf-8";

function json({ status, body }: ProbeAnswer): ManagedAnswer {
  return { status, contentType: JSON_TYPE, body: `${JSON.stringify(body)}\n` };
}

/** Loads prom-client; the steps taken meanwhile are kept and counted once it is there. */
function loadMetrics(view: MetricsView, registry: unknown): Promise<LifecycleMetrics> {
  const earlier: TransitionInfo[] = [];
  const baseline = view.actor.getSnapshot().context.status;
  const off = view.on("transition", (step) => earlier.push(step));
  return import("./metrics.ts").then(
    ({ createMetrics }) => {
      off();
      return createMetrics(view, registry as Parameters<typeof createMetrics>[1], earlier, baseline);
    },
    (error: unknown) => {
      off();
      throw new Error(
        `/metrics needs prom-client (an optional peer dependency): npm install prom-client (${(error as Error).message})`,
        { cause: error },
      );
    },
  );
}

export function createManagedHandler(view: MetricsView, options: ManagedHandlerOptions = {}): ManagedHandler {
  const metrics = options.metrics === false ? undefined : loadMetrics(view, options.registry);
  // Seen by /metrics when prom-client is missing; not an unhandled rejection meanwhile.
  metrics?.catch(() => {});

  const answer = async (path: string): Promise<ManagedAnswer | undefined> => {
    switch (path) {
      case "/health":
        return json(health(view));
      case "/ready":
        return json(readiness(view));
      case "/info":
        return json(info(view));
      case "/metrics": {
        if (!metrics) return undefined;
        try {
          const loaded = await metrics;
          return { status: 200, contentType: loaded.contentType, body: await loaded.text() };
        } catch (error) {
          return {
            status: 501,
            contentType: "text/plain; charset=utf-8",
            body: `${(error as Error).message}\n`,
          };
        }
      }
      default:
        return undefined;
    }
  };

  const handler = ((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (!(ManagedPaths as readonly string[]).includes(path) || (path === "/metrics" && !metrics))
      return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res
        .writeHead(405, { allow: "GET, HEAD", "content-type": JSON_TYPE })
        .end('{"error":"method not allowed"}\n');
      return true;
    }
    answer(path).then(
      (found) => {
        if (!found) return;
        res.writeHead(found.status, { "content-type": found.contentType, "cache-control": "no-store" });
        res.end(req.method === "HEAD" ? undefined : found.body);
      },
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
    return true;
  }) as ManagedHandler;
  handler.answer = answer;
  handler.close = () => {
    metrics?.then(
      (loaded) => loaded.close(),
      () => {},
    );
  };
  return handler;
}

/** The slice of Fastify's instance the plugin uses (so this package needs no Fastify types). */
export interface FastifyLike {
  get(
    path: string,
    handler: (
      request: unknown,
      reply: {
        code(status: number): unknown;
        header(name: string, value: string): unknown;
        send(body: string): unknown;
      },
    ) => Promise<unknown>,
  ): unknown;
}

/**
 * A Fastify plugin serving the managed paths: `fastify.register(managedFastifyPlugin(lifecycle))`.
 * Marked to skip Fastify's encapsulation, so the routes sit on the instance it is registered on.
 */
export function managedFastifyPlugin(view: MetricsView, options: ManagedHandlerOptions = {}) {
  const plugin = async (fastify: FastifyLike) => {
    const handler = createManagedHandler(view, options);
    for (const path of ManagedPaths) {
      if (path === "/metrics" && options.metrics === false) continue;
      fastify.get(path, async (_request, reply) => {
        const found = (await handler.answer(path)) as ManagedAnswer;
        reply.code(found.status);
        reply.header("content-type", found.contentType);
        reply.header("cache-control", "no-store");
        return reply.send(found.body);
      });
    }
  };
  return Object.assign(plugin, { [Symbol.for("skip-override")]: true });
}
