/**
 * A managed service that fails after it registers, for the fatal-error tests: run as
 * `fatal-service.ts <agent url> <port> throw|reject`. ManagedServer (handleSignals on, so
 * exitOnFatal on) must drain, deregister, log the error and exit 1.
 */
import { createServer } from "node:http";
import { ManagedServer, newServiceLifecycleFromServiceRegistration } from "../../src/index.ts";
import { authRegistration } from "./go-api.ts";

const [agentURL = "", portText = "", how = "throw"] = process.argv.slice(2);
const port = Number(portText);
const lifecycle = await newServiceLifecycleFromServiceRegistration(authRegistration(port), {
  baseURL: agentURL,
  gracePeriod: "50ms",
  drainDelay: 20,
  shutdownTimeout: 3_000,
  requestTimeout: 1_000,
});
const server = createServer((_req, res) => res.end("ok"));
lifecycle.onStateChange((state) => {
  if (state !== "registered") return;
  process.stdout.write("registered\n");
  // A bug in the business code, outside any promise chain the library sees.
  if (how === "reject") void Promise.reject(new Error("boom: a rejection nobody handled"));
  else
    setTimeout(() => {
      throw new Error("boom: a throw nobody caught");
    });
});
await new ManagedServer({
  lifecycle,
  handleSignals: true,
  log: (line) => process.stdout.write(`${line}\n`),
  serve: () =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.once("close", () => resolve());
      server.listen(port, "127.0.0.1");
    }),
  shutdown: () => new Promise<void>((resolve) => server.close(() => resolve())),
}).run();
