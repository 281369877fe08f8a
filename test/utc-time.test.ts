/** utcISO is toISOString's text, read from the UTC fields only (no local time zone, so no ICU). */
import { describe, expect, it } from "vitest";
import { utcISO } from "../machines/utc-time.ts";

describe("utcISO", () => {
  it("writes what Date.prototype.toISOString writes, over years 0 to 9999", () => {
    const first = Date.parse("0000-01-01T00:00:00.000Z"); // Date.UTC reads year 0 as 1900
    const last = Date.parse("9999-12-31T23:59:59.999Z");
    const samples = [first, 0, -1, 1, 951_782_400_000, 1_709_164_800_999, Date.now(), last];
    let seed = 7;
    for (let index = 0; index < 2_000; index += 1) {
      seed = (seed * 48_271) % 2_147_483_647; // a fixed pseudo-random walk: the same cases each run
      samples.push(first + Math.floor((seed / 2_147_483_647) * (last - first)));
    }
    for (const ms of samples) expect(utcISO(ms), String(ms)).toBe(new Date(ms).toISOString());
  });

  it("pads the year, the month, the day and the milliseconds", () => {
    expect(utcISO(Date.UTC(2026, 0, 2, 3, 4, 5, 6))).toBe("2026-01-02T03:04:05.006Z");
    expect(utcISO(new Date("0042-03-04T05:06:07.089Z").getTime())).toBe("0042-03-04T05:06:07.089Z");
  });
});
