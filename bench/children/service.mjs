/**
 * One registered lifecycle from the compiled main entry, as a service holds it.
 * Run: node --expose-gc service.mjs <agent url> <compiled src/index.js>
 */
import { importsDone, reportMemory } from "./report-memory.mjs";

const [url, entry] = process.argv.slice(2);
const { createLifecycle, onStateChange } = await import(entry);
importsDone();
const lifecycle = createLifecycle(
  {
    appId: "10001",
    appName: "auth",
    name: "auth",
    namespace: "default",
    port: 9090,
    dns: "auth.default.svc.cluster.local",
    env: "prod",
    weight: 100,
    protocol: "grpc",
    kernel: { language: "Node.js", version: process.version },
    methods: ["/acme.auth.v1.AuthService/Login"],
    version: "v1.0.0",
  },
  { baseURL: url },
);
const stop = onStateChange(lifecycle.actor, (state) => {
  if (state !== "registered") return;
  stop();
  reportMemory();
});
lifecycle.start();
