/**
 * Contract v2 end to end: `newAgent` (manifest → ServiceNode → the one chart) against the real dev
 * agent on loopback. The bodies are read back from the agent's call log, so they are what went
 * over the wire.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { InvalidRegistrationError } from "../src/agent/validate.ts";
import { type DevAgent, startDevAgent } from "../src/dev-agent.ts";
import { createLifecycle } from "../src/lifecycle.ts";
import { serviceOptionsFromWire } from "../src/v2/wire.ts";
import {
  type Agent,
  AgentRunError,
  GatewayManifestError,
  loadGatewayManifest,
  newAgent,
  newServiceNode,
  type ServiceOptions,
} from "../src/v2.ts";
import { waitForStatus, within } from "./support/lifecycle-harness.ts";

const fixture = (name: string) => join(import.meta.dirname, "fixtures", "v2", name);
const manifestPath = fixture("gateway.manifest.json");
const options: ServiceOptions = serviceOptionsFromWire(
  JSON.parse(readFileSync(fixture("service-options.json"), "utf8")),
  "service-options.json",
);
const instanceId = "0193a5c2-7d4e-7f3a-9b1c-5e6f7a8b9c0d";
const quick = { reconnectInterval: 50, requestTimeout: 1_000, drainDelay: 0, shutdownTimeout: 5_000 };

let agent: DevAgent;
let service: Agent | undefined;
afterEach(async () => {
  await service?.shutdown().catch(() => {});
  service = undefined;
  await agent?.close();
});

async function start(config: Parameters<typeof newAgent>[1] = {}): Promise<Agent> {
  service = await newAgent(options, {
    baseURL: agent.url,
    gatewayManifestPath: manifestPath,
    ...quick,
    ...config,
  });
  service.start();
  return service;
}

const bodies = (path: string) => agent.callsTo(path).map((call) => call.body);

describe("contract v2: newAgent against the dev agent", () => {
  it("registers protocol.md's v2 body, replays the identical body after a restart, drains and deregisters by instance id", async () => {
    agent = await startDevAgent({ port: 0, heartbeatMs: 200 });
    const lifecycle = await start({ gracePeriod: "5s" });
    await waitForStatus(lifecycle.controller.lifecycle, (s) => s.registered, "registered");
    expect(lifecycle.status()).toMatchObject({ lastServiceName: "auth", lastServicePort: 9090 });

    const expected = JSON.parse(readFileSync(fixture("register-body.json"), "utf8"));
    const [first] = bodies("/register");
    expect(first).toEqual({ ...expected, run_date: lifecycle.node.runDate });
    expect((first as { app: { secret: string } }).app.secret).toBe("");

    await agent.restart();
    await agent.waitFor(() => agent.services().length === 1, "the replay after the restart");
    expect(bodies("/register")).toEqual([first, first]);

    const final = await within(lifecycle.shutdown(), "shutdown");
    expect(final.state).toBe("deregistered");
    expect(bodies("/drain")).toEqual([{ app_id: "10001", app_instance_id: instanceId, grace_period: "5s" }]);
    expect(bodies("/deregister")).toEqual([{ app_id: "10001", app_instance_id: instanceId }]);
    expect(agent.services()).toEqual([]);
  });

  it("takes a drain and deregister the agent answers `local service not found: <app_id>/<instance>` as done", async () => {
    agent = await startDevAgent({ port: 0, heartbeatMs: 200 });
    const lifecycle = await start();
    await agent.waitFor(() => agent.services().length === 1, "the registration");
    await agent.restart(); // forgets the instance ...
    agent.setReady(false); // ... and refuses the replay, so the way out meets an agent that does not know it
    const final = await within(lifecycle.shutdown(), "shutdown");
    expect(final).toMatchObject({ state: "deregistered", lastErrorKind: expect.any(String) });
    const answers = agent.calls.filter((call) => call.path === "/drain" || call.path === "/deregister");
    expect(answers.map((call) => [call.path, call.status, call.error])).toEqual([
      ["/drain", 400, `local service not found: 10001/${instanceId}`],
      ["/deregister", 400, `local service not found: 10001/${instanceId}`],
    ]);
  });

  it("a register refused `not_ready` is retried like any refusal and lands once the agent is ready", async () => {
    agent = await startDevAgent({ port: 0, heartbeatMs: 200, ready: false, envelope: true });
    const lifecycle = await start();
    const handle = lifecycle.controller.lifecycle;
    const refused = await waitForStatus(handle, (s) => s.registerReplayFailureCount >= 2, "two refusals");
    expect(refused).toMatchObject({ registered: false, lastErrorKind: "register_replay", agentReady: false });
    expect(refused.lastError).toContain("not_ready");
    agent.setReady(true);
    const landed = await waitForStatus(handle, (s) => s.registered, "the register once ready");
    expect(landed).toMatchObject({
      agentReady: true,
      agentStatus: "ready",
      lastErrorKind: "register_replay",
    });
    expect(agent.services()).toHaveLength(1);
  });

  it("run() serves the business server with the lifecycle and leaves drain → business stop → deregister", async () => {
    agent = await startDevAgent({ port: 0, heartbeatMs: 200 });
    const order: string[] = [];
    const abort = new AbortController();
    service = await newAgent(options, { baseURL: agent.url, gatewayManifestPath: manifestPath, ...quick });
    service.configureRun({
      serve: async (signal, ready) => {
        ready();
        await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
      },
      shutdown: async () => {
        order.push(
          `stop while the agent holds ${agent
            .services()
            .map((s) => s.state)
            .join(",")}`,
        );
      },
    });
    const running = service.run({ signal: abort.signal });
    await agent.waitFor(() => agent.services().length === 1, "the registration");
    abort.abort();
    await within(running, "run");
    expect(order).toEqual(["stop while the agent holds Draining"]);
    expect(agent.services()).toEqual([]);
    await expect(service.run()).rejects.toBeInstanceOf(AgentRunError);
  });

  it("refuses bad input before any request: a manifest file with problems, a node the agent would refuse", async () => {
    agent = await startDevAgent({ port: 0 });
    const dir = mkdtempSync(join(tmpdir(), "sidecar-v2-"));
    const bad = join(dir, "gateway.manifest.json");
    writeFileSync(bad, JSON.stringify({ schema: "v0", services: [] }));
    const refused = await newAgent(options, { baseURL: agent.url, gatewayManifestPath: bad }).catch((e) => e);
    expect(refused).toBeInstanceOf(GatewayManifestError);
    expect(refused.message).toContain(`validate gateway manifest "${bad}"`);
    expect(refused.problems).toHaveLength(2);
    const missing = await newAgent(options, { gatewayManifestPath: join(dir, "absent.json") }).catch(
      (e) => e,
    );
    expect(missing.message).toContain(`read gateway manifest "${join(dir, "absent.json")}"`);

    const manifest = await loadGatewayManifest(manifestPath);
    const node = newServiceNode({ ...options, app: { ...options.app, id: " " }, serverPort: 0 }, manifest);
    expect(() => createLifecycle(node, { baseURL: agent.url })).toThrow(InvalidRegistrationError);
    expect(() => createLifecycle(node, { baseURL: agent.url })).toThrow(
      /app.id is required; server_port is invalid: 0/,
    );
    expect(agent.calls).toEqual([]);
  });
});
