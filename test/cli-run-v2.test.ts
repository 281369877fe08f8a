/**
 * `sidecar-lifecycle run` on contract v2, as real processes against a real dev agent: the body it
 * registers is protocol.md's ServiceNode, replayed unchanged after an agent restart, and the way
 * out drains and deregisters by app_id + app_instance_id. Bad input: exit 2, every problem listed.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { DevAgent } from "../src/dev-agent/server.ts";
import { runCli, startTestDevAgent } from "./support/cli.ts";
import { freePort } from "./support/go-api.ts";

const FIXTURES = join(import.meta.dirname, "fixtures/v2");
const MANIFEST = join(FIXTURES, "gateway.manifest.json");
const OPTIONS_FILE = join(FIXTURES, "service-options.json");
const INSTANCE = "0193a5c2-7d4e-7f3a-9b1c-5e6f7a8b9c0d";
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/;
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** protocol.md's v2 register body, as written there. */
function sampleBody(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, "register-body.json"), "utf8"));
}

/**
 * The wrapped service: an HTTP server on CHILD_PORT that exits with EXIT_CODE on SIGTERM, or on
 * its own once the agent at AGENT_URL holds it (EXIT_WHEN_REGISTERED).
 */
const CHILD = `
const env = process.env;
const server = require("node:http").createServer((q, r) => r.end("ok")).listen(Number(env.CHILD_PORT), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(Number(env.EXIT_CODE || 0))));
(async () => {
  while (env.EXIT_WHEN_REGISTERED) {
    const view = await (await fetch(env.AGENT_URL + "/debug/services?child=poll")).json();
    if (view.services.length === 1) process.exit(Number(env.EXIT_CODE || 0));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
})();
`;

function runV2(agent: DevAgent, port: number, flags: string[], childEnv: Record<string, string> = {}) {
  return runCli(
    [
      ...["run", "--agent", agent.url, "--manifest", MANIFEST, "--port", String(port)],
      ...["--grace-period", "1s", "--drain-delay", "100", ...flags],
      ...["--", process.execPath, "-e", CHILD],
    ],
    { CHILD_PORT: String(port), AGENT_URL: agent.url, ...childEnv },
  );
}

/** The bodies the agent received on one path, in order. */
function bodiesTo(agent: DevAgent, path: string): unknown[] {
  return agent.callsTo(path).map((call) => call.body);
}

describe("sidecar-lifecycle run, contract v2", () => {
  it("registers protocol.md's ServiceNode, replays the identical body after an agent restart, and on SIGTERM drains and deregisters by app_id + app_instance_id", async () => {
    const agent = await startTestDevAgent({ heartbeatMs: 200 });
    const port = await freePort();
    const run = runV2(agent, port, ["--service-options", OPTIONS_FILE], { EXIT_CODE: "3" });
    await run.waitForOutput(/connected → registered/);
    const [first] = bodiesTo(agent, "/register");
    // The sample's options file (its secret blanked), the sample's manifest; only the ports and the date are this run's.
    expect(first).toEqual({ ...sampleBody(), server_port: port, run_date: expect.stringMatching(RFC3339) });
    expect(agent.services()).toEqual([
      expect.objectContaining({ contract: "v2", appId: "10001", instanceId: INSTANCE, port }),
    ]);
    expect(run.stderr()).toContain(`[sidecar-lifecycle 10001/${INSTANCE}] `);
    expect(run.stderr()).toMatch(/registered as auth instance 10001\/0193a5c2-\S+ \(contract v2\)/);

    await agent.restart({ downMs: 50 });
    await run.waitForOutput(/registration replayed: register #2/);
    expect(bodiesTo(agent, "/register")).toEqual([first, first]);

    run.process.kill("SIGTERM");
    expect(await run.exited).toBe(3);
    expect(bodiesTo(agent, "/drain")).toEqual([
      { app_id: "10001", app_instance_id: INSTANCE, grace_period: "1s" },
    ]);
    expect(bodiesTo(agent, "/deregister")).toEqual([{ app_id: "10001", app_instance_id: INSTANCE }]);
    expect(agent.services()).toEqual([]);
    expect(agent.deregistered()).toEqual([
      expect.objectContaining({ contract: "v2", instanceId: INSTANCE, state: "Deregistered" }),
    ]);
    expect(run.stderr()).toMatch(/registered → draining[\s\S]*drained → stoppingServer[\s\S]*→ deregistered/);
  });

  it("from flags alone: the node carries the flags, the CLI's defaults and a fresh UUIDv7; a child that exits on its own is deregistered by that instance", async () => {
    const agent = await startTestDevAgent();
    const port = await freePort();
    const run = runV2(
      agent,
      port,
      [
        "--app-id",
        "20002",
        "--name",
        "orders",
        "--env",
        "prod",
        "--namespace",
        "shop",
        "--service-port",
        "7070",
      ],
      { EXIT_WHEN_REGISTERED: "1", EXIT_CODE: "7" },
    );
    expect(await run.exited).toBe(7);
    const [body] = bodiesTo(agent, "/register") as Array<{ app: { instance_id: string } }>;
    expect(body).toEqual({
      app: {
        id: "20002",
        env: "prod",
        name: "orders",
        secret: "",
        version: "v0.0.0",
        instance_id: expect.stringMatching(UUID_V7),
      },
      kernel: { Language: "node", Version: "unknown" },
      service: {
        name: "orders",
        type: "svc",
        namespace: "shop",
        cluster_domain: "cluster.local",
        port: 7070,
        weight: 100,
      },
      protocol: "http",
      server_port: port,
      managed_port: 0,
      dns: "orders.shop.svc.cluster.local",
      run_date: expect.stringMatching(RFC3339),
      proto_count: 1,
      methods: ["/acme.auth.v1.AuthService/Login", "/acme.auth.v1.AuthService/Logout"],
      http_routes: [
        { http_method: "POST", path: "/v1/login", full_method: "/acme.auth.v1.AuthService/Login" },
      ],
    });
    const key = { app_id: "20002", app_instance_id: body?.app.instance_id };
    expect(bodiesTo(agent, "/drain")).toEqual([]);
    expect(bodiesTo(agent, "/deregister")).toEqual([key]);
    expect(run.stderr()).toMatch(/exited with code 7 on its own: deregistering/);
  });

  it("bad input (no manifest file, an unknown field in the options file, a v1 flag, a bad port): exit 2 listing every problem, nothing started", async () => {
    const agent = await startTestDevAgent();
    const dir = mkdtempSync(join(tmpdir(), "sidecar-cli-v2-"));
    const options = join(dir, "auth.json");
    writeFileSync(options, JSON.stringify({ app: { id: "10001", secrets: "x" }, service: { name: "auth" } }));
    const missing = join(dir, "gateway.manifest.json");
    const marker = join(dir, "started");
    const run = runCli([
      ...["run", "--agent", agent.url, "--manifest", missing, "--service-options", options],
      ...["--method", "/Login", "--port", "70000"],
      ...["--", process.execPath, "-e", `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "x")`],
    ]);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain(
      [
        "sidecar-lifecycle run: 5 problems:",
        "  - --method is a contract v1 flag; with --manifest (contract v2) the methods come from the manifest",
        `  - --service-options ${options}: unknown field "app.secrets"`,
        '  - --port must be an integer in 1..65535, got "70000"',
        `  - read gateway manifest ${JSON.stringify(missing)}: ENOENT: no such file or directory, open '${missing}'`,
        "  - service.name is required (--name)",
        "Run `sidecar-lifecycle run --help` for the options.",
      ].join("\n"),
    );
    expect(existsSync(marker)).toBe(false);
    expect(agent.calls).toEqual([]);
  });

  it("a manifest with problems: exit 2 listing each of them with the file, nothing sent", async () => {
    const agent = await startTestDevAgent();
    const dir = mkdtempSync(join(tmpdir(), "sidecar-cli-v2-"));
    const manifest = join(dir, "gateway.manifest.json");
    writeFileSync(
      manifest,
      JSON.stringify({
        schema: "firefly.gateway.manifest.v1",
        services: [
          { name: "acme.auth.v1.AuthService", methods: ["/acme.auth.v1.AuthService/Login", "Logout"] },
        ],
        routes: [
          { http_method: "post", path: "/v1/login", full_method: "/acme.auth.v1.AuthService/Login" },
          { http_method: "GET", path: "/v1/static" },
        ],
      }),
    );
    const run = runCli([
      ...["run", "--agent", agent.url, "--manifest", manifest, "--name", "auth", "--port", "9090"],
      ...["--", "true"],
    ]);
    expect(await run.exited).toBe(2);
    const at = `validate gateway manifest ${JSON.stringify(manifest)}: gateway manifest`;
    expect(run.stderr()).toContain(
      [
        "sidecar-lifecycle run: 2 problems:",
        `  - ${at} method must start with /: Logout`,
        `  - ${at} routes must not mix grpc transcoding and http proxy routes`,
      ].join("\n"),
    );
    expect(agent.calls).toEqual([]);
  });

  it("--help shows both contracts, the v2 flags and a v2 example", async () => {
    const run = runCli(["run", "--help"]);
    expect(await run.exited).toBe(0);
    const help = run.stdout();
    for (const text of ["Contract v1:", "Contract v2", "--manifest <file>", "--service-options <file>"]) {
      expect(help).toContain(text);
    }
    for (const flag of [
      "--instance-id",
      "--service-port",
      "--managed-port",
      "--service-type",
      "--cluster-domain",
    ]) {
      expect(help).toContain(flag);
    }
    expect(help).toMatch(/sidecar-lifecycle run --manifest \S+ --app-id 10001/);
  });
});
