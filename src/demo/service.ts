/** The demo's business service: a plain node:http server with two routes. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { RegisterRequest } from "../../machines/types.ts";

export const DEMO_ROUTES = ["/healthz", "/orders"];

export function demoRegistration(port: number): RegisterRequest {
  return {
    appId: "10002",
    appName: "orders",
    name: "orders",
    namespace: "default",
    port,
    dns: "orders.default.svc.cluster.local",
    env: "dev",
    weight: 100,
    protocol: "http",
    kernel: { language: "Node.js", version: process.version },
    methods: DEMO_ROUTES,
    version: "v1.0.0",
  };
}

/** A port free right now, so the registration can name it before the server listens. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export class DemoService {
  readonly #server: Server = createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(req.url === "/healthz" ? { status: "ok" } : { orders: [] }));
  });

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(port, "127.0.0.1", () => resolve());
    });
  }

  /** Graceful stop: in-flight requests finish; cut when the lifecycle's deadline aborts. */
  close(signal: AbortSignal): Promise<void> {
    signal.addEventListener("abort", () => this.#server.closeAllConnections(), { once: true });
    return new Promise((resolve, reject) => {
      this.#server.close((error) => (error ? reject(error) : resolve()));
      this.#server.closeIdleConnections();
    });
  }
}
