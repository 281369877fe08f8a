/**
 * The jittered backoffs of the chart's delays: `backoffDelay` for register and shutdown retries,
 * `reconnectDelay` for reconnects. Expectations are the documented windows written out (retries:
 * first ≤ 100 ms, ×1.5 per failure; reconnects: a phase in [0, 250) ms, three periods of 200–250
 * ms, then ×1.5 per failure; both capped at the reconnectInterval), not recomputed with the
 * module's own constants.
 */
import { describe, expect, it } from "vitest";
import { backoffDelay, reconnectDelay } from "../machines/backoff.ts";

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

describe("reconnectDelay", () => {
  const longest = (attempt: number, cap: number) => reconnectDelay(attempt, cap, ALMOST_ONE);
  const shortest = (attempt: number, cap: number) => reconnectDelay(attempt, cap, 0);

  it("draws the first reconnect from a phase in [0, 250) ms", () => {
    expect(shortest(0, 1_000)).toBe(0);
    expect(reconnectDelay(0, 1_000, 0.5)).toBe(125);
    expect(longest(0, 1_000)).toBe(249);
  });

  it("keeps a steady period for the next three, less up to 20 %: 200–250 ms", () => {
    for (const attempt of [1, 2, 3]) {
      expect(shortest(attempt, 1_000)).toBe(200);
      expect(reconnectDelay(attempt, 1_000, 0.5)).toBe(225);
      expect(longest(attempt, 1_000)).toBe(249);
    }
  });

  it("then grows the window ×1.5 per attempt (375, 562.5, 843.75 ms), waiting 80–100 % of it, up to the cap", () => {
    const windows = Array.from({ length: 6 }, (_, i) => [shortest(4 + i, 1_000), longest(4 + i, 1_000)]);
    expect(windows).toEqual([
      [300, 374],
      [450, 562],
      [675, 843],
      [800, 999],
      [800, 999],
      [800, 999],
    ]);
  });

  it("never waits past the cap, even after very many failures", () => {
    expect(longest(1_000, 1_000)).toBe(999);
    expect(longest(20, 5_000)).toBe(4_999);
    expect(shortest(20, 5_000)).toBe(4_000);
  });

  it("respects a cap smaller than the period, the first wait and the later ones", () => {
    expect(longest(0, 20)).toBe(19);
    expect(longest(2, 20)).toBe(19);
    expect(shortest(2, 20)).toBe(16);
  });

  it("treats a negative attempt as the first", () => {
    expect(longest(-1, 1_000)).toBe(249);
  });
});
