import { describe, expect, it } from "vitest";
import { firstInterrupt } from "../src/cli/command.ts";
import { runCli, startTestDevAgent } from "./support/cli.ts";
import { authWireBody } from "./support/fixtures.ts";

describe("sidecar-lifecycle agent", () => {
  it("serves the protocol with the given flags, logs calls, stops on SIGTERM with exit 0", async () => {
    const run = runCli(["agent", "--port", "0", "--protocol", "legacy", "--heartbeat", "50", "--envelope"]);
    await run.waitForOutput(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(run.stdout())?.[1] as string;
    expect(run.stdout()).toContain("watch: legacy frames, heartbeat every 50 ms; answers: envelope JSON");
    expect(run.stdout()).toContain("in memory only: no Consul, no Envoy");
    expect(run.stdout()).toContain("bound to loopback only");

    const answer = await fetch(`${url}/drain`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"name":"auth","port":9090}',
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({
      success: false,
      message: "local service not found: auth:9090",
    });
    await run.waitForOutput(/drain refused: local service not found: auth:9090/);

    run.process.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toMatch(/SIGTERM: stopping the dev agent/);
  });

  it("refuses a non-loopback host without --allow-remote, and bad flags, with exit 2", async () => {
    const remote = runCli(["agent", "--host", "0.0.0.0", "--port", "0"]);
    expect(await remote.exited).toBe(2);
    expect(remote.stderr()).toContain("--host 0.0.0.0 is not a loopback address");
    const bad = runCli(["agent", "--protocol", "v2", "--heartbeat", "1e3", "--port=-1"]);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toContain(
      [
        "sidecar-lifecycle agent: 3 problems:",
        '  - --port must be an integer in 0..65535, got "-1"',
        '  - --heartbeat must be an integer >= 1, got "1e3"',
        '  - --protocol must be "legacy" or "structured", got "v2"',
      ].join("\n"),
    );
  });

  it("--not-ready-for: /readyz and /register answer 503 not_ready, then the agent becomes ready", async () => {
    const waiting = runCli(["agent", "--port", "0", "--not-ready-for", "600000"]);
    await waiting.waitForOutput(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    expect(waiting.stdout()).toContain(
      "not ready for 600000 ms: /readyz and /register answer 503 not_ready until then",
    );
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(waiting.stdout())?.[1] as string;
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    const register = await fetch(`${url}/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(authWireBody),
    });
    expect(register.status).toBe(503);

    const soon = runCli(["agent", "--port", "0", "--not-ready-for", "50"]);
    await soon.waitForOutput(/ready: \/readyz answers 200, registers are taken/);
    const soonURL = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(soon.stdout())?.[1] as string;
    expect(await (await fetch(`${soonURL}/readyz`)).json()).toEqual({ status: "ready", ready: true });

    const bad = runCli(["agent", "--not-ready-for", "0"]);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toContain('--not-ready-for must be an integer >= 1, got "0"');
  });

  it("exits 1 with a clear line when the port is taken", async () => {
    const taken = await startTestDevAgent();
    const run = runCli(["agent", "--port", String(taken.port)]);
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain(
      `cannot start: 127.0.0.1:${taken.port} is already in use (another agent running?)`,
    );
  });

  it("the dispatcher lists the commands, and an unknown one exits 2", async () => {
    const help = runCli(["--help"]);
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toMatch(/agent .*\n.*run /);
    const unknown = runCli(["frobnicate"]);
    expect(await unknown.exited).toBe(2);
    expect(unknown.stderr()).toContain('unknown command "frobnicate"');
  });
});

describe("firstInterrupt (how the agent, inspect and the demo wait to stop)", () => {
  it("resolves with the first SIGINT or SIGTERM and then listens for neither", async () => {
    const before = { SIGINT: process.listeners("SIGINT"), SIGTERM: process.listeners("SIGTERM") };
    const first = firstInterrupt();
    const added = process.listeners("SIGTERM").filter((listener) => !before.SIGTERM.includes(listener));
    expect(added).toHaveLength(1);
    // Called directly: emitting SIGTERM would reach the test runner's own listeners too.
    (added[0] as (signal: NodeJS.Signals) => void)("SIGTERM");
    expect(await first).toBe("SIGTERM");
    expect(process.listeners("SIGINT")).toEqual(before.SIGINT);
    expect(process.listeners("SIGTERM")).toEqual(before.SIGTERM);
  });
});
