/**
 * exitOnFatal: a ManagedServer process whose business code throws (or leaves a rejection
 * unhandled) after it registered takes the way out against a real dev agent, logs the error and
 * exits 1, and the agent no longer holds the instance. Off for the library handle by default.
 */
import { spawn } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type DevAgent, startDevAgent } from "../src/dev-agent.ts";
import { ManagedServer, newServiceLifecycleFromServiceRegistration } from "../src/index.ts";
import { authRegistration, freePort } from "./support/go-api.ts";

let agent: DevAgent;
beforeEach(async () => {
  agent = await startDevAgent({ port: 0 });
});
afterEach(async () => {
  await agent.close();
});

function runFatalService(how: "throw" | "reject", port: number) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "test/support/fatal-service.ts", agent.url, String(port), how],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk;
  });
  const code = new Promise<number | null>((resolve) => child.once("exit", (exit) => resolve(exit)));
  return { code, output: () => ({ stdout, stderr }) };
}

describe("exitOnFatal", () => {
  for (const [how, origin, message] of [
    ["throw", "uncaughtException", "boom: a throw nobody caught"],
    ["reject", "unhandledRejection", "boom: a rejection nobody handled"],
  ] as const) {
    it(`on ${origin} drains, deregisters, logs the error with its stack and exits 1`, async () => {
      const port = await freePort();
      const service = runFatalService(how, port);
      const code = await service.code;
      const { stdout, stderr } = service.output();
      expect(code, `stdout:\n${stdout}\nstderr:\n${stderr}`).toBe(1);
      expect(stdout).toContain("registered");
      expect(stderr).toContain(`${origin}: Error: ${message}`);
      expect(stderr).toMatch(/\n\s+at /); // the stack
      expect(stdout).toContain(`exit requested: ${origin}: ${message}`);
      expect(agent.callsTo("/drain")).toHaveLength(1);
      expect(agent.callsTo("/deregister")).toHaveLength(1);
      expect(agent.services()).toEqual([]);
      expect(agent.deregistered().map((s) => s.port)).toEqual([port]);
    });
  }

  it("is off for a ManagedServer without handleSignals: no uncaughtException or unhandledRejection handler is installed", async () => {
    const before = ["uncaughtException", "unhandledRejection"].map((e) => process.listenerCount(e));
    const port = await freePort();
    const lifecycle = await newServiceLifecycleFromServiceRegistration(authRegistration(port), {
      baseURL: agent.url,
      gracePeriod: "50ms",
      drainDelay: 0,
    });
    const abort = new AbortController();
    let during: number[] = [];
    const running = new ManagedServer({
      lifecycle,
      serve: async (_signal, ready) => {
        during = ["uncaughtException", "unhandledRejection"].map((e) => process.listenerCount(e));
        ready();
        abort.abort();
      },
    }).run({ signal: abort.signal });
    await running;
    expect(during).toEqual(before);
  });
});
