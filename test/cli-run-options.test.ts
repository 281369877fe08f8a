import { describe, expect, it } from "vitest";
import { UsageError } from "../src/cli/command.ts";
import { parseRunArgs } from "../src/cli/run-options.ts";

const noFile = () => {
  throw new Error("no file in this test");
};

function problemsOf(flags: string[]): string[] {
  try {
    parseRunArgs([...flags, "--", "node", "server.js"], noFile);
  } catch (error) {
    if (error instanceof UsageError) return error.problems;
    throw error;
  }
  return [];
}

const base = ["--name", "api", "--port", "8080", "--method", "/a"];

describe("sidecar-lifecycle run: flag checks", () => {
  it("takes the defaults a newcomer expects", () => {
    expect(parseRunArgs([...base, "--", "node", "server.js"], noFile)).toMatchObject({
      command: "node",
      args: ["server.js"],
      baseURL: "http://127.0.0.1:15010",
      gracePeriod: "20s",
      shutdownTimeout: 30_000,
      request: { name: "api", port: 8080, dns: "api.default.svc.cluster.local", weight: 100 },
    });
  });

  it("integer flags are decimal digits only: no hex, exponent or spaces", () => {
    expect(problemsOf(["--name", "api", "--port", "0x50", "--method", "/a", "--weight", "1e2"])).toEqual([
      '--port must be an integer in 1..65535, got "0x50"',
      '--weight must be an integer >= 1, got "1e2"',
    ]);
    expect(problemsOf([...base, "--shutdown-timeout", " 900"])).toEqual([
      '--shutdown-timeout must be an integer >= 1, got " 900"',
    ]);
  });

  it("a drain delay that does not fit in the drain step of the shutdown budget is refused", () => {
    expect(problemsOf([...base, "--drain-delay", "2501", "--shutdown-timeout", "5000"])).toEqual([
      "--drain-delay: drainDelay (2501) does not fit: with shutdownTimeout 5000 the drain step must end by 2500 ms, leaving the rest to the server stop and the deregister",
    ]);
    expect(problemsOf([...base, "--drain-delay", "2500", "--shutdown-timeout", "5000"])).toEqual([]);
  });

  it("--agent is a plain http:// base URL the admin paths are appended to", () => {
    expect(problemsOf([...base, "--agent", "http://127.0.0.1:15010/?x=1"])).toEqual([
      '--agent must not carry a query or fragment, got "http://127.0.0.1:15010/?x=1"',
    ]);
    expect(problemsOf([...base, "--agent", "https://agent:15010"])).toEqual([
      '--agent must be an http:// URL, got "https://agent:15010"',
    ]);
    expect(problemsOf([...base, "--agent", "http://127.0.0.1:15011"])).toEqual([]);
  });
});
