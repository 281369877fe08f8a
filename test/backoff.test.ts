/** The jittered backoff the chart's reconnect, register-retry and shutdown-retry delays use. */
import { describe, expect, it } from "vitest";
import { BACKOFF_BASE_MS, backoffDelay } from "../machines/backoff.ts";

const ALMOST_ONE = 0.999_999;

describe("backoffDelay", () => {
  it("makes the first retry come within 100 ms", () => {
    expect(BACKOFF_BASE_MS).toBeLessThanOrEqual(100);
    expect(backoffDelay(0, 1_000, ALMOST_ONE)).toBeLessThan(100);
  });

  it("spreads the wait over the whole window (full jitter)", () => {
    expect(backoffDelay(3, 10_000, 0)).toBe(0);
    expect(backoffDelay(3, 10_000, 0.5)).toBe(Math.floor(0.5 * BACKOFF_BASE_MS * 8));
    expect(backoffDelay(3, 10_000, ALMOST_ONE)).toBe(BACKOFF_BASE_MS * 8 - 1);
  });

  it("doubles the window per attempt until the cap, then stays under the cap", () => {
    const windows = [0, 1, 2, 3, 4, 5, 10, 60].map((attempt) => backoffDelay(attempt, 1_000, ALMOST_ONE) + 1);
    expect(windows).toEqual([
      BACKOFF_BASE_MS,
      BACKOFF_BASE_MS * 2,
      BACKOFF_BASE_MS * 4,
      Math.min(1_000, BACKOFF_BASE_MS * 8),
      1_000,
      1_000,
      1_000,
      1_000,
    ]);
  });

  it("respects a cap smaller than the first window", () => {
    expect(backoffDelay(0, 20, ALMOST_ONE)).toBeLessThan(20);
  });

  it("treats a negative attempt as the first", () => {
    expect(backoffDelay(-1, 1_000, ALMOST_ONE)).toBe(backoffDelay(0, 1_000, ALMOST_ONE));
  });
});
