/** The jittered backoff the chart's reconnect, register-retry and shutdown-retry delays use. */
import { describe, expect, it } from "vitest";
import { BACKOFF_BASE_MS, BACKOFF_FACTOR, backoffDelay } from "../machines/backoff.ts";

const ALMOST_ONE = 0.999_999;

/** The window an attempt draws from: one more than its largest delay. */
const window = (attempt: number, cap: number) => backoffDelay(attempt, cap, ALMOST_ONE) + 1;

describe("backoffDelay", () => {
  it("makes the first retry come within 100 ms", () => {
    expect(BACKOFF_BASE_MS).toBeLessThanOrEqual(100);
    expect(window(0, 1_000)).toBeLessThanOrEqual(100);
  });

  it("spreads the wait over the whole window (full jitter)", () => {
    expect(backoffDelay(3, 10_000, 0)).toBe(0);
    expect(backoffDelay(3, 10_000, 0.5)).toBe(Math.floor(0.5 * BACKOFF_BASE_MS * BACKOFF_FACTOR ** 3));
    expect(window(3, 10_000)).toBe(Math.ceil(BACKOFF_BASE_MS * BACKOFF_FACTOR ** 3));
  });

  it("grows the window with every failed attempt until the cap, then stays at the cap", () => {
    expect(BACKOFF_FACTOR).toBeGreaterThan(1);
    const windows = Array.from({ length: 12 }, (_, attempt) => window(attempt, 1_000));
    for (let attempt = 1; attempt < windows.length; attempt += 1) {
      expect(windows[attempt]).toBeGreaterThanOrEqual(windows[attempt - 1] as number);
    }
    expect(windows[1]).toBeGreaterThan(windows[0] as number);
    expect(windows.at(-1)).toBe(1_000);
    expect(window(1_000, 1_000)).toBe(1_000);
  });

  it("grows through six windows below the default reconnectInterval, then waits up to the cap", () => {
    expect(window(5, 1_000)).toBeLessThan(1_000);
    expect(window(6, 1_000)).toBe(1_000);
  });

  it("respects a cap smaller than the first window", () => {
    expect(window(0, 20)).toBe(20);
  });

  it("treats a negative attempt as the first", () => {
    expect(backoffDelay(-1, 1_000, ALMOST_ONE)).toBe(backoffDelay(0, 1_000, ALMOST_ONE));
  });
});
