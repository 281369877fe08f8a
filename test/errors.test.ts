/**
 * The errors the chart raises (machines/errors.ts): each carries its protocol.md kind, a readable
 * message with the facts it names, those facts as fields, and its cause (design.md: typed Error
 * subclasses with `cause`).
 */
import { describe, expect, it } from "vitest";
import {
  errorMessageOf,
  failureOf,
  ShutdownTimeoutError,
  SidecarLifecycleError,
  StepCutError,
  WatchLivenessError,
} from "../machines/errors.ts";

describe("chart errors", () => {
  it("a silent stream is a watch_liveness error naming the timeout", () => {
    const error = new WatchLivenessError(15_000);
    expect(error).toBeInstanceOf(SidecarLifecycleError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: "WatchLivenessError", kind: "watch_liveness", timeoutMs: 15_000 });
    expect(error.message).toBe("watch stream silent: no data from the agent for 15000 ms");
  });

  it("the shutdown deadline is a sidecar_api error naming the state, what it waited for and the last error, its cause", () => {
    const last = new Error("connect ECONNREFUSED 127.0.0.1:15010");
    const error = new ShutdownTimeoutError(30_000, "deregisterRetry", "the deregister to be accepted", last);
    expect(error).toBeInstanceOf(SidecarLifecycleError);
    expect(error).toMatchObject({
      name: "ShutdownTimeoutError",
      kind: "sidecar_api",
      timeoutMs: 30_000,
      state: "deregisterRetry",
    });
    expect(error.message).toBe(
      "shutdown timed out after 30000 ms in state deregisterRetry: the deregister to be accepted" +
        " (last error: connect ECONNREFUSED 127.0.0.1:15010)",
    );
    expect(error.cause).toBe(last);
  });

  it("a shutdown deadline with no error before it has no cause and says nothing of one", () => {
    const error = new ShutdownTimeoutError(5_000, "draining", "the drain call");
    expect(error.message).toBe("shutdown timed out after 5000 ms in state draining: the drain call");
    expect(error.cause).toBeUndefined();
  });

  it("a step cut is a sidecar_api error naming the step and its window", () => {
    const error = new StepCutError("business server stop", 22_500);
    expect(error).toBeInstanceOf(SidecarLifecycleError);
    expect(error).toMatchObject({
      name: "StepCutError",
      kind: "sidecar_api",
      step: "business server stop",
      windowMs: 22_500,
    });
    expect(error.message).toBe("business server stop cut: its window closed 22500 ms after shutdown began");
  });
});

describe("anything thrown", () => {
  it("keeps an Error as it is and wraps anything else, keeping its text", () => {
    const error = new TypeError("bad");
    expect(failureOf(error)).toBe(error);
    const wrapped = failureOf("agent gone");
    expect(wrapped).toBeInstanceOf(Error);
    expect(wrapped.message).toBe("agent gone");
    expect(failureOf(42).message).toBe("42");
  });

  it("reads the text of an Error or of a thrown value", () => {
    expect(errorMessageOf(new Error("boom"))).toBe("boom");
    expect(errorMessageOf("plain")).toBe("plain");
    expect(errorMessageOf(undefined)).toBe("undefined");
  });
});
