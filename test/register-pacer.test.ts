/** The register pacer: a token bucket and a bound on unanswered registers, on a simulated clock. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RegisterPacer } from "../src/agent/register-pacer.ts";

const pace = { burst: 4, perMs: 1, inFlight: 6 };
let pacer: RegisterPacer;

/** Asks for `count` turns, each on its own signal; `left` lists, in order, those let go so far. */
function takeMany(count: number) {
  const left: number[] = [];
  for (let index = 0; index < count; index += 1) {
    void pacer.take(new AbortController().signal).then(() => left.push(index));
  }
  return { left };
}

beforeEach(() => {
  vi.useFakeTimers();
  pacer = new RegisterPacer(pace, () => Date.now());
});

afterEach(() => {
  vi.useRealTimers();
});

describe("RegisterPacer", () => {
  it("lets a burst go at once, then one a token", async () => {
    const { left } = takeMany(6);
    await vi.advanceTimersByTimeAsync(0);
    expect(left).toEqual([0, 1, 2, 3]);
    expect(pacer.waiting).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(left).toEqual([0, 1, 2, 3, 4]);
    await vi.advanceTimersByTimeAsync(1);
    expect(left).toEqual([0, 1, 2, 3, 4, 5]);
    expect(pacer.waiting).toBe(0);
  });

  it("holds registers past the in-flight bound until an answer comes, whatever the tokens", async () => {
    const { left } = takeMany(8);
    await vi.advanceTimersByTimeAsync(100);
    expect(left).toHaveLength(6);
    expect(pacer.waiting).toBe(2);
    pacer.done();
    await vi.advanceTimersByTimeAsync(0);
    expect(left).toEqual([0, 1, 2, 3, 4, 5, 6]);
    pacer.done();
    await vi.advanceTimersByTimeAsync(0);
    expect(left).toHaveLength(8);
  });

  it("bounds what leaves after a pause of the loop to the burst", async () => {
    takeMany(4);
    await vi.advanceTimersByTimeAsync(0);
    for (let index = 0; index < 4; index += 1) pacer.done();
    const { left } = takeMany(20);
    // The clock moves 50 ms while no timer runs (a GC pause, a busy turn): the bucket holds only `burst`.
    vi.setSystemTime(Date.now() + 50);
    await vi.advanceTimersByTimeAsync(1);
    expect(left).toHaveLength(pace.burst);
  });

  it("an aborted wait rejects with the signal's reason and leaves the queue: the next waiter gets the token", async () => {
    takeMany(4);
    await vi.advanceTimersByTimeAsync(0);
    const timedOut = new AbortController();
    const waiting = pacer.take(timedOut.signal);
    const after = takeMany(1);
    timedOut.abort(new Error("timed out after 5000 ms"));
    await expect(waiting).rejects.toThrow("timed out after 5000 ms");
    expect(pacer.waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(after.left).toEqual([0]);
  });

  it("refuses a signal already aborted without taking a turn", async () => {
    const aborted = new AbortController();
    aborted.abort(new Error("shutting down"));
    await expect(pacer.take(aborted.signal)).rejects.toThrow("shutting down");
    const { left } = takeMany(4);
    await vi.advanceTimersByTimeAsync(0);
    expect(left).toHaveLength(4);
  });
});
