/**
 * The structured log (`logger` option) over a real loopback agent: an agent down for 60 s of
 * simulated time costs a handful of lines while onError still gets every failed attempt, and a
 * real pino logger receives records with the state, event, agent URL, error kind and attempts.
 */
import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { SimulatedClock } from "xstate";
import type { Logger } from "../src/ops/log.ts";
import { resolveOptions } from "../src/options.ts";
import { advanceUntil, useAgent, waitForStatus } from "./support/lifecycle-harness.ts";

const h = useAgent();

interface Line {
  level: string;
  fields: Record<string, unknown>;
  message: string | undefined;
}

/** A pino-shaped logger without `child`, recording every call. */
function recordingLogger(lines: Line[]): Logger {
  const at = (level: string) => (fields: Record<string, unknown>, message?: string) =>
    lines.push({ level, fields, message });
  return { info: at("info"), warn: at("warn"), error: at("error"), debug: at("debug") };
}

describe("structured log", () => {
  it("prints a handful of lines for an agent down 60 s (one when it goes, growing summaries, one when it is back); onError gets every attempt", async () => {
    const clock = new SimulatedClock();
    const lines: Line[] = [];
    const errors: Error[] = [];
    const lifecycle = h.start({ clock, logger: recordingLogger(lines), onError: (e) => errors.push(e) });
    await waitForStatus(lifecycle, (s) => s.registered, "registered");

    await h.agent.close();
    const downAt = clock.now();
    await advanceUntil(clock, lifecycle, () => clock.now() - downAt >= 60_000, "60 s of outage");
    await h.agent.listen();
    await advanceUntil(clock, lifecycle, (s) => s.registerReplayCount === 2, "the replay");

    const messages = lines.map((line) => line.message);
    expect(lines.length).toBeLessThanOrEqual(6);
    expect(messages[0]).toBe("registered");
    expect(messages[1]).toBe("agent unreachable: watch stream closed");
    expect(messages.slice(2, 4)).toEqual([
      expect.stringMatching(/^agent unreachable for 10 s, \d+ attempts, last error: .*ECONNREFUSED/),
      expect.stringMatching(/^agent unreachable for 30 s, \d+ attempts, last error: .*ECONNREFUSED/),
    ]);
    expect(messages.at(-1)).toMatch(/^agent back after 6\d(\.\d)? s; registration replayed$/);
    const back = lines.at(-1)?.fields ?? {};
    // Every failed attempt reached onError; the log counted them instead of printing them.
    expect(errors.length).toBeGreaterThan(30);
    expect(back).toMatchObject({ event: "replayed", state: "registered", attempts: errors.length });
    // Without `child`, the bindings ride on every record.
    for (const line of lines) {
      expect(line.fields).toMatchObject({ instance: "auth:9090", agent: h.agent.url });
    }
  });

  it("gives a real pino logger structured records: registered, disconnected, replayed, draining, deregistered", async () => {
    const records: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const text of String(chunk).split("\n").filter(Boolean)) records.push(JSON.parse(text));
        done();
      },
    });
    const clock = new SimulatedClock();
    const lifecycle = h.start({ clock, logger: pino({ level: "info" }, stream), gracePeriod: "1s" });
    await waitForStatus(lifecycle, (s) => s.registered, "registered");
    await h.agent.close();
    await advanceUntil(clock, lifecycle, (s) => s.disconnectCount === 1, "the disconnect");
    await h.agent.listen();
    await advanceUntil(clock, lifecycle, (s) => s.registerReplayCount === 2, "the replay");
    const stopping = lifecycle.shutdown();
    await advanceUntil(clock, lifecycle, (s) => s.state === "deregistered", "the way out");
    await stopping;
    await new Promise((resolve) => setImmediate(resolve));

    const common = { instance: "auth:9090", agent: h.agent.url };
    expect(records.map((r) => r.event)).toEqual([
      "registered",
      "disconnected",
      "replayed",
      "draining",
      "deregistered",
    ]);
    expect(records[0]).toMatchObject({ ...common, level: 30, state: "registered", msg: "registered" });
    expect(records[1]).toMatchObject({
      ...common,
      level: 40,
      kind: "watch_stream_closed",
      attempt: 1,
      error: expect.any(String),
      state: expect.any(String),
    });
    expect(records[2]).toMatchObject({
      ...common,
      level: 30,
      state: "registered",
      downMs: expect.any(Number),
    });
    expect(records[2]?.msg).toMatch(/^agent back after [\d.]+ s; registration replayed$/);
    expect(records[3]).toMatchObject({
      ...common,
      level: 30,
      gracePeriod: "1s",
      msg: "draining (grace period 1s)",
    });
    expect(records[4]).toMatchObject({ ...common, level: 30, state: "deregistered", msg: "deregistered" });
  });

  it("refuses a logger that is not pino-compatible, naming the option and the missing method", () => {
    expect(() => resolveOptions({ logger: "stdout" as never })).toThrow(
      "logger must be a pino-compatible logger object, got string",
    );
    expect(() => resolveOptions({ logger: { info() {}, warn() {}, error() {} } as never })).toThrow(
      "logger must be pino-compatible: logger.debug is undefined, not a function",
    );
  });
});
