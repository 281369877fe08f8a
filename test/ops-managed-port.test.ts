/**
 * The managed port: /health, /ready, /info and /metrics over real HTTP against a real agent;
 * /ready 503 from the first instant of the way out (in process, and in a real process on SIGTERM);
 * a taken port refused with a message naming it; /metrics read with a Prometheus text parser.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { describe, expect, it, onTestFinished } from "vitest";
import type { Lifecycle } from "../src/lifecycle.ts";
import { createManagedHandler } from "../src/ops/handler.ts";
import { useAgent, waitForStatus, within } from "./support/lifecycle-harness.ts";

interface Sample {
  value?: string;
  labels?: Record<string, string>;
  count?: string;
  buckets?: Record<string, string>;
}
interface Family {
  name: string;
  type: string;
  metrics: Sample[];
}
const parsePrometheus = createRequire(import.meta.url)("parse-prometheus-text-format") as (
  text: string,
) => Family[];

const h = useAgent();
const quiet = { livenessTimeout: 600_000, shutdownTimeout: 600_000, drainDelay: 0 };

async function get(base: string, path: string): Promise<{ status: number; type: string; body: string }> {
  const response = await fetch(`${base}${path}`);
  return {
    status: response.status,
    type: response.headers.get("content-type") ?? "",
    body: await response.text(),
  };
}

async function managed(lifecycle: Lifecycle): Promise<string> {
  const address = await within(lifecycle.managedPort(), "the managed port to listen");
  if (!address) throw new Error("no managed port");
  return address.url;
}

function family(families: Family[], name: string): Family {
  const found = families.find((each) => each.name === name);
  if (!found) throw new Error(`no metric ${name} in ${families.map((each) => each.name).join(", ")}`);
  return found;
}

describe("managed port", () => {
  it("answers /health, /ready, /info while registered, on loopback, and logs where it listens", async () => {
    const lines: string[] = [];
    const lifecycle = h.start({ ...quiet, managedPort: 0, log: (line) => lines.push(line) });
    const base = await managed(lifecycle);
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await waitForStatus(lifecycle, (s) => s.registered, "registered");

    const ready = await get(base, "/ready");
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ ready: true, state: "registered" });
    expect(JSON.parse((await get(base, "/health")).body)).toEqual({ alive: true, state: "registered" });
    const info = JSON.parse((await get(base, "/info")).body);
    expect(info).toMatchObject({
      state: "registered",
      contract: "v1",
      instance: "auth:9090",
      status: { registered: true, registerReplayCount: 1, lastServiceName: "auth" },
    });
    expect((await get(base, "/nowhere")).status).toBe(404);
    expect(lines).toContain(`managed port listening on ${base} (/health /ready /info /metrics)`);
    await within(lifecycle.shutdown(), "shutdown");
  });

  it("says 503 with the state and the reason before registering and once the agent is gone", async () => {
    h.agent.watch = "hold";
    const lifecycle = h.start({ ...quiet, managedPort: 0 });
    const base = await managed(lifecycle);
    const waiting = await get(base, "/ready");
    expect(waiting.status).toBe(503);
    expect(JSON.parse(waiting.body)).toEqual({
      ready: false,
      state: "connecting",
      reason: "connecting to the agent",
    });

    h.agent.answerHeld("/watch", { status: 500 });
    await waitForStatus(lifecycle, (s) => s.disconnectCount === 1, "the failed watch");
    const gone = JSON.parse((await get(base, "/ready")).body);
    expect(gone.ready).toBe(false);
    expect(gone.reason).toMatch(/agent unreachable|connecting to the agent \(last error/);
    expect((await get(base, "/health")).status).toBe(200);
    lifecycle.actor.stop();
  });

  it("turns /ready 503 in the step SHUTDOWN is sent, before the drain reaches the agent", async () => {
    h.agent.respond["/drain"] = () => "hold";
    const lifecycle = h.start({ ...quiet, managedPort: 0, drainDelay: 0 });
    const base = await managed(lifecycle);
    await waitForStatus(lifecycle, (s) => s.registered, "registered");
    const handler = createManagedHandler(lifecycle, { metrics: false });
    expect((await handler.answer("/ready"))?.status).toBe(200);

    const finished = lifecycle.shutdown();
    const instant = handler.answer("/ready"); // read in the same tick: nothing sent yet
    expect(h.agent.callsTo("/drain")).toEqual([]);
    const answer = await instant;
    expect(answer?.status).toBe(503);
    expect(JSON.parse(answer?.body ?? "")).toEqual({
      ready: false,
      state: "draining",
      reason: "shutting down: the way out began",
    });

    await h.agent.until(() => h.agent.held("/drain") === 1, "the drain to be held");
    expect((await get(base, "/ready")).status).toBe(503);
    expect((await get(base, "/health")).status).toBe(200);
    h.agent.answerHeld("/drain", { status: 200, body: {} });
    await within(finished, "shutdown");
    expect(JSON.parse((await handler.answer("/health"))?.body ?? "")).toEqual({
      alive: false,
      state: "deregistered",
      reason: "deregistered",
    });
    await expect(fetch(`${base}/health`)).rejects.toThrow(); // closed with the lifecycle
  });

  it("refuses a taken port with a message naming the option and the address", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => taken.close(() => resolve())));
    const port = (taken.address() as AddressInfo).port;
    const errors: Error[] = [];
    const lifecycle = h.start({ ...quiet, managedPort: port, onError: (error) => errors.push(error) });
    await expect(lifecycle.managedPort()).rejects.toThrow(
      `managedPort ${port} on 127.0.0.1 is already in use by another process; choose another managedPort (0 picks a free one)`,
    );
    expect(errors.map((error) => error.message)).toContain(
      `managedPort ${port} on 127.0.0.1 is already in use by another process; choose another managedPort (0 picks a free one)`,
    );
    lifecycle.actor.stop();
  });

  it("serves /metrics as Prometheus text: registers, replays, disconnects by kind, state, readiness, drain and deregister durations", async () => {
    const lifecycle = h.start({ ...quiet, managedPort: 0, reconnectInterval: 10 });
    const base = await managed(lifecycle);
    await waitForStatus(lifecycle, (s) => s.registered, "registered");
    h.agent.endStreams(); // the agent drops the stream: a disconnect, then a replay
    await waitForStatus(lifecycle, (s) => s.registered && s.registerReplayCount === 2, "the replay");

    const scraped = await get(base, "/metrics");
    expect(scraped.status).toBe(200);
    expect(scraped.type).toContain("text/plain");
    const families = parsePrometheus(scraped.body);
    expect(family(families, "sidecar_lifecycle_registers_total").metrics[0]?.value).toBe("2");
    expect(family(families, "sidecar_lifecycle_replays_total").metrics[0]?.value).toBe("1");
    expect(family(families, "sidecar_lifecycle_disconnects_total").metrics).toEqual([
      { value: "1", labels: { kind: "watch_stream_closed" } },
    ]);
    expect(family(families, "sidecar_lifecycle_replay_latency_seconds").metrics[0]?.count).toBe("1");
    const states = family(families, "sidecar_lifecycle_state").metrics;
    expect(states.filter((sample) => sample.value === "1").map((sample) => sample.labels?.state)).toEqual([
      "registered",
    ]);
    expect(family(families, "sidecar_lifecycle_registered").metrics[0]?.value).toBe("1");
    expect(family(families, "sidecar_lifecycle_agent_ready").type).toBe("GAUGE");

    const handler = createManagedHandler(lifecycle);
    await within(lifecycle.shutdown(), "shutdown");
    const after = parsePrometheus((await handler.answer("/metrics"))?.body ?? "");
    expect(family(after, "sidecar_lifecycle_drain_duration_seconds").metrics[0]?.count).toBe("1");
    expect(family(after, "sidecar_lifecycle_deregister_duration_seconds").metrics[0]?.count).toBe("1");
    handler.close();
  });
});

const ROOT = fileURLToPath(new URL("..", import.meta.url));

describe("managed port in a real process", () => {
  it("answers /ready 200 while registered and 503 once SIGTERM began the way out", async () => {
    h.agent.respond["/drain"] = () => "hold";
    const script = `
      import { createLifecycle } from "./src/lifecycle.ts";
      import { authRequest } from "./test/support/fixtures.ts";
      const lifecycle = createLifecycle(authRequest(), { baseURL: ${JSON.stringify(h.agent.url)}, managedPort: 0, livenessTimeout: 600000, drainDelay: 0 });
      lifecycle.on("registered", async () => console.log("MANAGED " + (await lifecycle.managedPort()).url));
      process.once("SIGTERM", () => lifecycle.shutdown().then(() => process.exit(0), () => process.exit(1)));
      lifecycle.start();
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    onTestFinished(() => {
      child.kill("SIGKILL");
    });
    const base = await within(
      new Promise<string>((resolve) => {
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const match = /MANAGED (\S+)/.exec(out);
          if (match?.[1]) resolve(match[1]);
        });
      }),
      "the child to register",
      20_000,
    );
    expect((await get(base, "/ready")).status).toBe(200);

    child.kill("SIGTERM");
    await h.agent.until(() => h.agent.held("/drain") === 1, "the drain to be held", 20_000);
    const draining = await get(base, "/ready");
    expect(draining.status).toBe(503);
    expect(JSON.parse(draining.body)).toMatchObject({ ready: false, state: "draining" });
    h.agent.answerHeld("/drain", { status: 200, body: {} });
    expect(await within(exited, "the child to exit", 20_000)).toBe(0);
    expect(h.agent.calls.map((call) => call.path)).toEqual(["/register", "/drain", "/deregister"]);
  });
});
