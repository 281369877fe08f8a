/** Go duration strings, as the agent reads drain's `grace_period`. */
import { describe, expect, it } from "vitest";
import { parseGoDuration } from "../src/agent/duration.ts";

describe("parseGoDuration", () => {
  it.each([
    ["300ms", 300],
    ["20s", 20_000],
    ["1m30s", 90_000],
    ["1.5h", 5_400_000],
    ["2h45m", 9_900_000],
    ["500us", 0.5],
    ["500µs", 0.5],
    ["1000000ns", 1],
    [".5s", 500],
    ["2562047h", 9_223_369_200_000],
    ["0", 0],
    ["-1s", -1_000],
    ["+2s", 2_000],
  ])("reads %s as %d ms", (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it.each(["", " 20s ", "20", "s", "20 s", "1d", "abc", "-", "1m30"])(
    "refuses %j, naming the text",
    (text) => {
      expect(() => parseGoDuration(text)).toThrow(RangeError);
      expect(() => parseGoDuration(text)).toThrow(
        `invalid duration "${text}": expected e.g. 300ms, 20s, 1m30s`,
      );
    },
  );

  it("refuses what is longer than Go's largest duration (about 292 years)", () => {
    expect(() => parseGoDuration("2562048h")).toThrow('invalid duration "2562048h": out of range');
  });
});
