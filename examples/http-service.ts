/**
 * A plain node:http service bound to the host's sidecar agent.
 *
 *   npx tsx examples/http-service.ts [--agent http://127.0.0.1:15010] [--port 8080]
 *
 * Env: SIDECAR_AGENT_URL, PORT, GRACE_PERIOD (Go duration, default 2s), DRAIN_DELAY_MS.
 * Registered from a ServiceRegistration (the routes it serves are its "methods"); serve
 * reports ready on `listening`; the graceful stop is `server.close()`, which lets in-flight
 * requests finish.
 */
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import {
  DefaultAdminBaseURL,
  ManagedServer,
  newServiceLifecycleFromServiceRegistration,
} from "../src/index.ts";

const { values } = parseArgs({
  options: { agent: { type: "string" }, port: { type: "string" } },
});
const agentURL = values.agent ?? process.env.SIDECAR_AGENT_URL ?? DefaultAdminBaseURL;
const port = Number(values.port ?? process.env.PORT ?? 8080);
const drainDelay = process.env.DRAIN_DELAY_MS === undefined ? undefined : Number(process.env.DRAIN_DELAY_MS);
const log = (message: string) => console.log(`[http-service] ${message}`);

const lifecycle = await newServiceLifecycleFromServiceRegistration(
  {
    appId: "10002",
    serviceName: "orders",
    namespace: "default",
    dns: "orders.default.svc.cluster.local",
    env: "dev",
    port,
    protocol: "http",
    version: "v1.0.0",
    node: {
      kernel: { language: "Node.js", version: process.version },
      methods: { "/orders": true, "/healthz": true },
    },
  },
  { baseURL: agentURL, gracePeriod: process.env.GRACE_PERIOD ?? "2s", drainDelay, log },
);
lifecycle.onStateChange((state) => log(`lifecycle: ${state}`));

const server = createServer((req, res) => {
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify(req.url === "/healthz" ? { status: "ok" } : { orders: [] }));
});

const managed = new ManagedServer({
  lifecycle,
  handleSignals: true,
  log,
  serve: (_signal, ready) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.once("close", () => resolve());
      server.listen(port, "127.0.0.1", ready);
    }),
  shutdown: (signal) =>
    new Promise<void>((resolve, reject) => {
      // Past the deadline, idle keep-alive and in-flight connections are cut.
      signal.addEventListener("abort", () => server.closeAllConnections(), { once: true });
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeIdleConnections();
    }),
});

try {
  await managed.run();
} catch (error) {
  log(`exit 1: ${(error as Error).message}`);
  process.exitCode = 1;
}
