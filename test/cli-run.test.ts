import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import type { DevAgent } from "../src/dev-agent/server.ts";
import { runCli, startTestDevAgent } from "./support/cli.ts";
import { freePort } from "./support/go-api.ts";

/**
 * The wrapped service: a `node -e` HTTP server. It leaves marks at the agent (GET /healthz?child=...)
 * so the agent's call log proves what happened in which order, across processes.
 * Env: CHILD_PORT, AGENT_URL, LISTEN_AFTER_MS (slow boot), EXIT_CODE (on SIGTERM or on its own),
 * EXIT_WHEN_REGISTERED (die on its own once the agent holds it), IGNORE_SIGTERM.
 */
const CHILD = `
const http = require("node:http");
const env = process.env;
const agent = env.AGENT_URL;
const mark = (what) => fetch(agent + "/healthz?child=" + what);
const exitCode = Number(env.EXIT_CODE || 0);
(async () => {
  await mark("starting");
  await new Promise((resolve) => setTimeout(resolve, Number(env.LISTEN_AFTER_MS || 0)));
  await mark("listening");
  const server = http.createServer((req, res) => res.end("ok")).listen(Number(env.CHILD_PORT), "127.0.0.1");
  process.on("SIGTERM", async () => {
    if (env.IGNORE_SIGTERM) return console.log("child: ignoring SIGTERM");
    const view = await (await fetch(agent + "/debug/services?child=sigterm")).json();
    console.log("child: on SIGTERM the agent says " + view.services.map((s) => s.state).join(","));
    server.close(() => process.exit(exitCode));
  });
  while (env.EXIT_WHEN_REGISTERED) {
    const view = await (await fetch(agent + "/debug/services?child=poll")).json();
    if (view.services.length === 1) process.exit(exitCode);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
})();
`;

/** `run` flags that bind the service "api" on `port` to `agent`; its methods and command follow. */
function runApi(agent: DevAgent, port: number): string[] {
  return ["run", "--agent", agent.url, "--name", "api", "--port", String(port)];
}

async function setup(childEnv: Record<string, string> = {}, extraArgs: string[] = []) {
  const agent = await startTestDevAgent({ heartbeatMs: 200 });
  const port = await freePort();
  const run = runCli(
    [
      ...runApi(agent, port),
      "--method",
      "/health",
      "--method",
      "/orders",
      "--grace-period",
      "1s",
      "--drain-delay",
      "100",
      ...extraArgs,
      "--",
      process.execPath,
      "-e",
      CHILD,
    ],
    { CHILD_PORT: String(port), AGENT_URL: agent.url, ...childEnv },
  );
  return { agent, port, run };
}

/** The agent's log as `METHOD path[?query]` lines, without the watch and poll noise. */
function story(agent: DevAgent): string[] {
  return agent.calls
    .filter((call) => call.path !== "/watch" && call.query !== "child=poll")
    .map((call) => `${call.method} ${call.path}${call.query ? `?${call.query}` : ""}`);
}

describe("sidecar-lifecycle run", () => {
  it("registers only once the child accepts TCP; on SIGTERM: drain → child stops → deregister; exit code passed through", async () => {
    const { agent, port, run } = await setup({ LISTEN_AFTER_MS: "400", EXIT_CODE: "3" });
    await agent.waitFor(() => agent.services().length === 1, "the registration", 10_000);
    expect(run.stderr()).toMatch(/connecting → awaitingServer/);
    expect(agent.registrations).toEqual([
      expect.objectContaining({
        name: "api",
        port,
        appId: "api",
        appName: "api",
        namespace: "default",
        dns: "api.default.svc.cluster.local",
        methods: ["/health", "/orders"],
        kernel: { language: "node", version: "unknown" },
      }),
    ]);

    run.process.kill("SIGTERM");
    expect(await run.exited).toBe(3);
    expect(story(agent)).toEqual([
      "GET /healthz?child=starting",
      "GET /healthz?child=listening",
      "POST /register",
      "POST /drain",
      "GET /debug/services?child=sigterm",
      "POST /deregister",
    ]);
    expect(run.stdout()).toContain("child: on SIGTERM the agent says Draining");
    expect(agent.services()).toEqual([]);
    expect(agent.deregistered().map((service) => service.state)).toEqual(["Deregistered"]);
    expect(run.stderr()).toMatch(
      /registered → draining[\s\S]*drained → stoppingServer[\s\S]*deregistering → deregistered/,
    );
    expect(run.stderr()).toMatch(/exited with code 3; exit code 3/);
  });

  it("a closed terminal (SIGHUP) takes the same way out, and the child is asked to stop with SIGTERM", async () => {
    const { agent, run } = await setup({ EXIT_CODE: "0" });
    await agent.waitFor(() => agent.services().length === 1, "the registration", 10_000);
    run.process.kill("SIGHUP");
    expect(await run.exited).toBe(0);
    expect(story(agent).slice(-3)).toEqual([
      "POST /drain",
      "GET /debug/services?child=sigterm",
      "POST /deregister",
    ]);
    expect(run.stderr()).toMatch(/forwarding SIGTERM to/);
  });

  it("replays the registration after an agent restart, with no action", async () => {
    const { agent, run } = await setup();
    // The CLI has the agent's answer (not just the agent the call): the restart cannot cut it off.
    await run.waitForOutput(/connected → registered/);
    await agent.restart({ downMs: 50 });
    await agent.waitFor(() => agent.services().length === 1, "the replayed registration", 10_000);
    expect(agent.registrations).toHaveLength(2);
    await run.waitForOutput(/registration replayed: register #2/);
    run.process.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    expect(agent.deregistered()).toHaveLength(1);
  });

  it("a child that dies on its own is deregistered (no drain) and its exit code passed on", async () => {
    const { agent, run } = await setup({ EXIT_WHEN_REGISTERED: "1", EXIT_CODE: "7" });
    expect(await run.exited).toBe(7);
    expect(story(agent)).toEqual([
      "GET /healthz?child=starting",
      "GET /healthz?child=listening",
      "POST /register",
      "POST /deregister",
    ]);
    expect(run.stderr()).toMatch(/exited with code 7 on its own: deregistering/);
  });

  it("SIGTERM before the child listens: nothing to drain or deregister; the child gets the signal", async () => {
    const { agent, run } = await setup({ LISTEN_AFTER_MS: "60000" });
    await run.waitForOutput(/awaitingServer/);
    await agent.waitFor(() => story(agent).length === 1, "the child's first mark");
    run.process.kill("SIGTERM");
    // The child has no SIGTERM handler yet, so the forwarded signal ends it: 128 + 15.
    expect(await run.exited).toBe(143);
    expect(run.stderr()).toMatch(/killed by SIGTERM; exit code 143/);
    expect(story(agent)).toEqual(["GET /healthz?child=starting"]);
  });

  it("a child that ignores the signal gets SIGKILL when its stop window closes, in time for deregister to still run", async () => {
    const { agent, run } = await setup({ IGNORE_SIGTERM: "1" }, [
      "--shutdown-timeout",
      "1500",
      "--request-timeout",
      "500",
    ]);
    await agent.waitFor(() => agent.services().length === 1, "the registration", 10_000);
    run.process.kill("SIGTERM");
    expect(await run.exited).toBe(137);
    expect(run.stderr()).toMatch(/still running when its stop window closed: SIGKILL, then deregister/);
    expect(story(agent).slice(-2)).toEqual(["POST /drain", "POST /deregister"]);
    expect(agent.services()).toEqual([]);
  });

  it("a second signal forces exit 1 and kills the child, but still sends one quick deregister", async () => {
    const { agent, run } = await setup({ IGNORE_SIGTERM: "1" });
    await agent.waitFor(() => agent.services().length === 1, "the registration", 10_000);
    run.process.kill("SIGTERM");
    await run.waitForOutput(/forwarding SIGTERM/, 10_000);
    expect(agent.services().map((service) => service.state)).toEqual(["Draining"]);
    run.process.kill("SIGTERM");
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toMatch(/second SIGTERM: forcing exit/);
    expect(story(agent).slice(-2)).toEqual(["POST /drain", "POST /deregister"]);
    expect(agent.services()).toEqual([]);
  });

  it("a hung agent (SIGSTOP: TCP open, no bytes): the drain is cut at its window, the child stops in its own, a deregister is tried", async () => {
    const agentPort = await freePort();
    const agentRun = runCli(["agent", "--port", String(agentPort), "--heartbeat", "200"]);
    await agentRun.waitForOutput(/listening|127\.0\.0\.1:\d+/, 10_000);
    const port = await freePort();
    // Stops 200 ms after SIGTERM: it needs a real grace period, not a SIGKILL in the same millisecond.
    const child = `require("node:http").createServer((q, r) => r.end()).listen(${port}, "127.0.0.1");
      process.on("SIGTERM", () => setTimeout(() => process.exit(0), 200));`;
    const run = runCli([
      "run",
      "--agent",
      `http://127.0.0.1:${agentPort}`,
      "--name",
      "api",
      "--port",
      String(port),
      "--method",
      "/health",
      "--shutdown-timeout",
      "2000",
      "--request-timeout",
      "400",
      "--",
      process.execPath,
      "-e",
      child,
    ]);
    await run.waitForOutput(/connected → registered/, 10_000);
    const agentPid = agentRun.process.pid as number;
    process.kill(agentPid, "SIGSTOP");
    onTestFinished(() => {
      process.kill(agentPid, "SIGCONT");
    });
    run.process.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    const log = run.stderr();
    expect(log).toMatch(/forwarding SIGTERM/);
    expect(log).not.toMatch(/SIGKILL/);
    expect(log).toMatch(/→ deregistering/);
    expect(log).toMatch(
      /shutdown incomplete: shutdown timed out after 2000 ms in state (deregistering|deregisterRetry)/,
    );
  });

  it("bad flags or registration: exit 2 listing every problem, nothing started", async () => {
    const agent = await startTestDevAgent();
    const marker = join(mkdtempSync(join(tmpdir(), "sidecar-cli-")), "started");
    const run = runCli([
      "run",
      "--agent",
      agent.url,
      "--port",
      "70000",
      "--weight",
      "0",
      "--method",
      "Login",
      "--grace-period=-1s",
      "--",
      process.execPath,
      "-e",
      `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "x")`,
    ]);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain(
      [
        "sidecar-lifecycle run: 5 problems:",
        '  - --port must be an integer in 1..65535, got "70000"',
        '  - --weight must be an integer >= 1, got "0"',
        "  - name is required (--name)",
        "  - method is invalid: Login (--method)",
        '  - --grace-period: gracePeriod must be greater than zero, got "-1s"',
        "Run `sidecar-lifecycle run --help` for the options.",
      ].join("\n"),
    );
    expect(existsSync(marker)).toBe(false);
    expect(agent.calls).toEqual([]);
  });

  it("a registration file is read with the agent's field names; its errors name the file and field", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sidecar-cli-"));
    const file = join(dir, "registration.json");
    writeFileSync(file, JSON.stringify({ name: "api", port: "8080", methods: ["/a"] }));
    const run = runCli(["run", "--registration", file, "--", "true"]);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain(`--registration ${file}: field "port" must be a number, got string`);

    writeFileSync(file, JSON.stringify({ name: "api", port: 8080, methods: ["/a"], weight: 0 }));
    const refused = runCli(["run", "--registration", file, "--", "true"]);
    expect(await refused.exited).toBe(2);
    expect(refused.stderr()).toContain("sidecar-lifecycle run: weight must be greater than zero (--weight)");
  });

  it("--help documents the options and exit codes", async () => {
    const run = runCli(["run", "--help"]);
    expect(await run.exited).toBe(0);
    for (const flag of [
      "--registration",
      "--method",
      "--agent",
      "--grace-period",
      "--drain-delay",
      "--shutdown-timeout",
    ]) {
      expect(run.stdout()).toContain(flag);
    }
    expect(run.stdout()).toMatch(/Exit codes: the command's; 2 bad flags/);
  });

  it("a command that does not exist exits 127", async () => {
    const agent = await startTestDevAgent();
    const run = runCli([
      ...runApi(agent, await freePort()),
      "--method",
      "/a",
      "--",
      "no-such-command-sidecar-test",
    ]);
    expect(await run.exited).toBe(127);
    expect(run.stderr()).toMatch(/no-such-command-sidecar-test \(pid \?\) not found on its own/);
  });
});
