/**
 * The CLI's side of the structured log: `run --log-format json` writes one JSON record per line
 * (its own lines, the transitions and the lifecycle's log) through an agent restart, with one
 * `disconnected` record for the outage rather than lines per attempt; bad formats are refused;
 * `sidecar-lifecycle --version` prints the package's version.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createCliLogger } from "../src/cli/cli-logger.ts";
import { UsageError } from "../src/cli/command.ts";
import { parseRunArgs } from "../src/cli/run-options.ts";
import { freePort } from "../src/port-probe.ts";
import { runCli, startTestDevAgent } from "./support/cli.ts";

const server = (port: number) =>
  `require("node:http").createServer((q, s) => s.end("ok")).listen(${port}, "127.0.0.1"); process.on("SIGTERM", () => process.exit(0))`;

describe("CLI log", () => {
  it("run --log-format json: every stderr line is a record; an agent restart is one disconnected record and one back", async () => {
    const agent = await startTestDevAgent();
    const port = await freePort();
    const run = runCli([
      ...["run", "--log-format", "json", "--name", "api", "--port", String(port), "--method", "/health"],
      ...["--grace-period", "50ms", "--agent", agent.url, "--", "node", "-e", server(port)],
    ]);
    await run.waitForOutput(/"event":"registered"/);
    await agent.restart({ downMs: 300 });
    await run.waitForOutput(/agent back after [\d.]+ s; registration replayed/);
    run.process.kill("SIGTERM");
    expect(await run.exited).toBe(0);

    const records = run
      .stderr()
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const record of records) {
      expect(record).toMatchObject({
        level: expect.any(String),
        time: expect.any(String),
        msg: expect.any(String),
      });
      expect(record.instance).toBe(`api:${port}`);
      expect(record.agent).toBe(agent.url);
    }
    const events = records.map((r) => r.event);
    expect(events.filter((e) => e === "disconnected")).toHaveLength(1);
    expect(records.find((r) => r.event === "disconnected")).toMatchObject({ level: "warn", attempt: 1 });
    expect(records.find((r) => r.event === "replayed")).toMatchObject({
      level: "info",
      downMs: expect.any(Number),
    });
    expect(events).toContain("draining");
    expect(events.at(-1)).toBe("run"); // "… exited with code 0; exit code 0"
    // The reconnect loop is the structured log's: no transition record goes into disconnected.
    expect(records.filter((r) => r.event === "transition" && r.state === "disconnected")).toEqual([]);
  });

  it("refuses a --log-format other than text or json, naming the flag", async () => {
    const error = await parseRunArgs(
      ["--name", "api", "--port", "8080", "--method", "/a", "--log-format", "xml", "--", "node"],
      () => "",
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).problems).toEqual(['--log-format must be text or json, got "xml"']);
  });

  it("text lines carry the prefix and the message; json records the bindings of child(); quiet levels drop info", () => {
    const lines: string[] = [];
    const write = (line: string) => lines.push(line);
    createCliLogger({ format: "text", prefix: "[p]", level: "info", write }).info({ event: "x" }, "hello");
    createCliLogger({ format: "json", prefix: "[p]", level: "info", write })
      .child({ instance: "api:1" })
      .warn({ event: "y", attempt: 2 }, "down");
    createCliLogger({ format: "json", prefix: "[p]", level: "warn", write }).info({}, "dropped");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[p\] \d\d:\d\d:\d\d\.\d{3} {2}hello\n$/);
    expect(JSON.parse(lines[1] as string)).toMatchObject({
      level: "warn",
      instance: "api:1",
      event: "y",
      attempt: 2,
      msg: "down",
    });
  });

  it("sidecar-lifecycle --version prints package.json's version", async () => {
    const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    const run = runCli(["--version"]);
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toBe(`sidecar-lifecycle ${version}\n`);
  });
});
