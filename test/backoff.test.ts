/**
 * The jittered backoff the chart's reconnect, register-retry and shutdown-retry delays use.
 * Expectations are the documented windows written out (first ≤ 100 ms, ×1.5 per failure, capped at
 * the reconnectInterval), not recomputed with the module's own constants.
 */
import { describe, expect, it } from "vitest";
import { backoffDelay } from "../machines/backoff.ts";

const ALMOST_ONE = 0.999_999;

/** The largest wait an attempt can draw: just under its window. */
const largest = (attempt: number, cap: number) => backoffDelay(attempt, cap, ALMOST_ONE);

describe("backoffDelay", () => {
  it("draws the first retry from [0, 100) ms", () => {
    expect(largest(0, 1_000)).toBe(99);
    expect(backoffDelay(0, 1_000, 0)).toBe(0);
  });

  it("spreads the wait over the whole window (full jitter), rounding down to whole ms", () => {
    // Window of attempt 3: 100 × 1.5³ = 337.5 ms.
    expect(backoffDelay(3, 10_000, 0)).toBe(0);
    expect(backoffDelay(3, 10_000, 0.5)).toBe(168);
    expect(largest(3, 10_000)).toBe(337);
  });

  it("grows the window ×1.5 per failed attempt: 100, 150, 225, 337.5, 506.25, 759.375 ms, then the cap", () => {
    const waits = Array.from({ length: 9 }, (_, attempt) => largest(attempt, 1_000));
    expect(waits).toEqual([99, 149, 224, 337, 506, 759, 999, 999, 999]);
  });

  it("never waits past the cap, even after very many failures", () => {
    expect(largest(1_000, 1_000)).toBe(999);
    expect(largest(10, 5_000)).toBe(4_999);
  });

  it("respects a cap smaller than the first window", () => {
    expect(largest(0, 20)).toBe(19);
  });

  it("treats a negative attempt as the first", () => {
    expect(largest(-1, 1_000)).toBe(99);
  });
});
