/**
 * Failing drain / deregister calls are retried with backoff, never past the shutdown deadline; a
 * failing drain only until the drain delay has passed, so the business server still stops in time.
 */
import { describe, expect, it } from "vitest";
import { SimulatedClock } from "xstate";
import { ShutdownStepError, ShutdownTimeoutError } from "../src/errors.ts";
import { advanceUntil, rejectionOf, useAgent, waitForStatus } from "./support/lifecycle-harness.ts";

const h = useAgent();

describe("lifecycle: shutdown deadline", () => {
  it("retries an unreachable agent until shutdownTimeout, then ends deregistered with the error", async () => {
    const clock = new SimulatedClock();
    const errors: Error[] = [];
    const serverStoppedAt: number[] = [];
    const lifecycle = h.start({
      clock,
      shutdownTimeout: 2_000,
      requestTimeout: 500,
      drainDelay: 1_000,
      reconnectInterval: 200,
      livenessTimeout: 600_000,
      onError: (error) => errors.push(error),
      stopServer: async () => void serverStoppedAt.push(clock.now()),
    });
    await waitForStatus(lifecycle, (s) => s.registered, "registered");
    const deregisterURL = `${h.agent.url}/deregister`;
    await h.agent.close();
    await waitForStatus(lifecycle, (s) => s.disconnectCount === 1, "the agent to go away");

    const startedAt = clock.now();
    const failure = rejectionOf(lifecycle.shutdown());
    // The clock moves only while the chart waits to retry, so the deadline finds it there.
    const advanced = await advanceUntil(clock, lifecycle, (s) => s.state === "deregistered", "the deadline");
    expect(advanced).toBe(2_000);

    const error = await failure;
    expect(error).toBeInstanceOf(ShutdownTimeoutError);
    expect(error).toMatchObject({ kind: "sidecar_api", timeoutMs: 2_000, state: "deregisterRetry" });
    expect((error as Error).message).toMatch(
      /^shutdown timed out after 2000 ms in state deregisterRetry: deregister failed, retry pending \(last error: deregister failed: service=auth port=9090: deregister http:\/\/127\.0\.0\.1:\d+\/deregister: no answer from the agent: /,
    );
    expect((error as Error).message).toContain(deregisterURL);
    // The drain was given up once the drain delay had passed: the server stopped then, not at the deadline.
    expect(serverStoppedAt.map((at) => at - startedAt)).toEqual([1_000]);
    expect(lifecycle.status()).toMatchObject({
      state: "deregistered",
      lastErrorKind: "sidecar_api",
      lastError: (error as Error).message,
    });
    const failures = (step: string) =>
      errors.filter((e) => e instanceof ShutdownStepError && e.step === step);
    expect(failures("drain").length).toBeGreaterThanOrEqual(2);
    expect(failures("deregister").length).toBeGreaterThanOrEqual(2);
  });

  it("retries a failing drain with backoff and finishes cleanly once the agent accepts it", async () => {
    const clock = new SimulatedClock();
    let failures = 2;
    h.agent.respond["/drain"] = () =>
      failures-- > 0 ? { status: 500, body: { error: "consul unavailable" } } : { status: 200, body: {} };
    const lifecycle = h.start({
      clock,
      drainDelay: 1_000,
      shutdownTimeout: 60_000,
      livenessTimeout: 600_000,
    });
    await waitForStatus(lifecycle, (s) => s.registered, "registered");

    const finished = lifecycle.shutdown();
    await advanceUntil(clock, lifecycle, (s) => s.state === "deregistered", "deregistered");
    const final = await finished;
    expect(h.agent.calls.map((call) => call.path)).toEqual([
      "/register",
      "/drain",
      "/drain",
      "/drain",
      "/deregister",
    ]);
    // The failures stay on record; the way out itself succeeded, so shutdown() resolves.
    expect(final).toMatchObject({ state: "deregistered", lastErrorKind: "sidecar_api" });
    expect(final.lastError).toBe(
      "drain failed: service=auth port=9090: agent answered 500: consul unavailable",
    );
  });
});
