/** First contact with the agent: one register on `connected`, and refused registers retried with backoff. */
import { describe, expect, it } from "vitest";
import { RegisterReplayError } from "../src/errors.ts";
import { authWireBody } from "./support/fixtures.ts";
import { RecordingClock, useAgent, waitForStatus } from "./support/lifecycle-harness.ts";

const h = useAgent();

describe("lifecycle: register", () => {
  it("registers once on the first `connected` and says so in its status", async () => {
    const lifecycle = h.start();
    const status = await waitForStatus(lifecycle, (s) => s.registered, "registered");
    expect(h.agent.calls).toEqual([{ path: "/register", body: authWireBody }]);
    expect(status).toMatchObject({
      state: "registered",
      connected: true,
      registered: true,
      lastServiceName: "auth",
      lastServicePort: 9090,
      lastEventType: "connected",
      registerReplayCount: 1,
      registerReplayFailureCount: 0,
      disconnectCount: 0,
      lastErrorKind: "",
    });
    expect(status.lastConnectedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("records a refused register with the agent's text and retries it with backoff until it lands", async () => {
    const clock = new RecordingClock();
    const errors: Error[] = [];
    let refusals = 2;
    h.agent.respond["/register"] = () =>
      refusals-- > 0
        ? { status: 400, body: { error: "methods must not be empty" } }
        : { status: 200, body: {} };
    const lifecycle = h.start({
      clock,
      reconnectInterval: 1_000,
      livenessTimeout: 60_000,
      onError: (error) => errors.push(error),
    });
    /** The last backoff the chart chose (every backoff is under the 1 s cap; liveness is 60 s). */
    const lastBackoff = () => clock.delays.filter((delay) => delay < 1_000).at(-1) ?? Number.NaN;

    const refused = await waitForStatus(
      lifecycle,
      (s) => s.registerReplayFailureCount === 1,
      "the first refusal",
    );
    expect(refused).toMatchObject({
      state: "registerRetry",
      connected: true,
      registered: false,
      lastErrorKind: "register_replay",
      lastError:
        "register replay failed: service=auth port=9090: agent answered 400: methods must not be empty",
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(RegisterReplayError);
    const firstWait = lastBackoff();
    expect(firstWait).toBeLessThan(100);
    clock.increment(firstWait);

    await waitForStatus(lifecycle, (s) => s.registerReplayFailureCount === 2, "the second refusal");
    const secondWait = lastBackoff();
    expect(secondWait).toBeLessThan(200);
    clock.increment(secondWait);

    const registered = await waitForStatus(lifecycle, (s) => s.registered, "the third register to land");
    expect(registered).toMatchObject({
      state: "registered",
      registerReplayCount: 1,
      registerReplayFailureCount: 2,
      disconnectCount: 0,
    });
    expect(h.agent.callsTo("/register")).toHaveLength(3);
    expect(h.agent.watchRequests).toBe(1);
  });
});
