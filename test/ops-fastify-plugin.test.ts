/**
 * managedFastifyPlugin in a real Fastify server over loopback HTTP: the managed paths answer
 * from the lifecycle's state (registered, then the way out), /metrics is prom-client's text, and
 * the routes sit on the instance it is registered on (no encapsulation), beside the app's own.
 */
import Fastify from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { managedFastifyPlugin } from "../src/ops/handler.ts";
import { useAgent, waitForStatus } from "./support/lifecycle-harness.ts";

const h = useAgent();
let app: ReturnType<typeof Fastify> | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function get(base: string, path: string) {
  const response = await fetch(`${base}${path}`);
  return { status: response.status, type: response.headers.get("content-type"), body: await response.text() };
}

describe("managedFastifyPlugin", () => {
  it("serves /health, /ready, /info and /metrics from a real Fastify next to the app's routes, following the lifecycle", async () => {
    const lifecycle = h.start({ gracePeriod: "50ms", drainDelay: 0 });
    await waitForStatus(lifecycle, (s) => s.registered, "registered");
    app = Fastify();
    await app.register(managedFastifyPlugin(lifecycle));
    app.get("/hello", async () => "app");
    const base = await app.listen({ port: 0, host: "127.0.0.1" });

    expect(await get(base, "/hello")).toMatchObject({ status: 200, body: "app" });
    expect(await get(base, "/health")).toMatchObject({ status: 200, type: expect.stringMatching(/json/) });
    const ready = await get(base, "/ready");
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ ready: true, state: "registered" });
    expect(JSON.parse((await get(base, "/info")).body)).toMatchObject({ state: "registered" });
    const metrics = await get(base, "/metrics");
    expect(metrics.status).toBe(200);
    expect(metrics.type).toMatch(/^text\/plain/);
    expect(metrics.body).toMatch(/^sidecar_lifecycle_registered 1$/m);

    await lifecycle.shutdown();
    const after = await get(base, "/ready");
    expect(after.status).toBe(503);
    expect(JSON.parse(after.body)).toMatchObject({ ready: false, state: "deregistered" });
    expect((await get(base, "/health")).status).toBe(503);
  });

  it("leaves /metrics out when metrics is false", async () => {
    const lifecycle = h.start();
    app = Fastify();
    await app.register(managedFastifyPlugin(lifecycle, { metrics: false }));
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    expect((await get(base, "/metrics")).status).toBe(404);
    expect((await get(base, "/health")).status).toBe(200);
  });
});
