/** The v2 instance id: a UUIDv7 of RFC 9562, made on node:crypto (no `uuid` package). */
import { describe, expect, it } from "vitest";
import { newInstanceId, processInstanceId } from "../src/v2/instance-id.ts";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const millisecondsOf = (id: string) => Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16);

describe("newInstanceId", () => {
  it("is a UUIDv7: version 7, variant 10, lower-case hex in the 8-4-4-4-12 form", () => {
    for (let index = 0; index < 1000; index++) expect(newInstanceId()).toMatch(UUID_V7);
  });

  it("carries the Unix milliseconds it was made at in its first 48 bits", () => {
    const before = Date.now();
    const id = newInstanceId();
    const after = Date.now();
    expect(millisecondsOf(id)).toBeGreaterThanOrEqual(before);
    expect(millisecondsOf(id)).toBeLessThanOrEqual(after);
  });

  it("sorts in the order the ids were made, many in one millisecond included, and never repeats", () => {
    const ids = Array.from({ length: 20_000 }, () => newInstanceId());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});

describe("processInstanceId", () => {
  it("is one UUIDv7 for the life of the process", () => {
    const id = processInstanceId();
    expect(id).toMatch(UUID_V7);
    expect(processInstanceId()).toBe(id);
    expect(newInstanceId()).not.toBe(id);
  });
});
