/** Option defaults (the Go client's, in ms) and the clear errors bad option values get. */
import { describe, expect, it } from "vitest";
import { ErrWatchURLRequired } from "../src/errors.ts";
import { resolveOptions } from "../src/options.ts";

describe("resolveOptions", () => {
  it("fills in the defaults", () => {
    const options = resolveOptions();
    expect(options).toMatchObject({
      baseURL: "http://127.0.0.1:15010",
      watchURL: "http://127.0.0.1:15010/watch",
      requestTimeout: 3_000,
      gracePeriod: "20s",
      maxFrameSize: 1024 * 1024,
      timing: {
        reconnectInterval: 1_000,
        livenessTimeout: 15_000,
        drainDelay: 20_000,
        shutdownTimeout: 30_000,
      },
      client: undefined,
    });
    expect(() => options.onError(new Error("ignored"))).not.toThrow();
  });

  it("derives the watch URL from the base URL, trailing slashes dropped", () => {
    expect(resolveOptions({ baseURL: "http://127.0.0.1:7000/" }).watchURL).toBe(
      "http://127.0.0.1:7000/watch",
    );
    expect(resolveOptions({ watchURL: "http://10.0.0.1/events" }).watchURL).toBe("http://10.0.0.1/events");
  });

  it("defaults the drain delay to the grace period, capped to leave room for two calls in the deadline", () => {
    expect(resolveOptions({ gracePeriod: "5s" }).timing.drainDelay).toBe(5_000);
    expect(resolveOptions({ gracePeriod: "1m" }).timing.drainDelay).toBe(30_000 - 2 * 3_000);
    expect(
      resolveOptions({ gracePeriod: "20s", shutdownTimeout: 10_000, requestTimeout: 1_000 }).timing
        .drainDelay,
    ).toBe(8_000);
    expect(resolveOptions({ shutdownTimeout: 1_000, requestTimeout: 3_000 }).timing.drainDelay).toBe(0);
  });

  it("takes an explicit drain delay, zero included", () => {
    expect(resolveOptions({ drainDelay: 0 }).timing.drainDelay).toBe(0);
    expect(resolveOptions({ drainDelay: 1_500 }).timing.drainDelay).toBe(1_500);
  });

  it("sends an empty grace period as empty (the agent's default) and waits the default 20 s", () => {
    const options = resolveOptions({ gracePeriod: "" });
    expect(options.gracePeriod).toBe("");
    expect(options.timing.drainDelay).toBe(20_000);
  });

  it("refuses bad values with an error naming the option", () => {
    expect(() => resolveOptions({ watchURL: "  " })).toThrow(ErrWatchURLRequired);
    expect(() => resolveOptions({ baseURL: "" })).toThrow("baseURL must not be empty");
    expect(() => resolveOptions({ requestTimeout: 0 })).toThrow(
      "requestTimeout must be a positive number of ms, got 0",
    );
    expect(() => resolveOptions({ reconnectInterval: -5 })).toThrow("reconnectInterval must be a positive");
    expect(() => resolveOptions({ livenessTimeout: Number.NaN })).toThrow(
      "livenessTimeout must be a positive",
    );
    expect(() => resolveOptions({ shutdownTimeout: Number.POSITIVE_INFINITY })).toThrow("shutdownTimeout");
    expect(() => resolveOptions({ maxFrameSize: 0 })).toThrow("maxFrameSize must be a positive");
    expect(() => resolveOptions({ drainDelay: -1 })).toThrow(
      "drainDelay must be zero or a positive number of ms, got -1",
    );
    expect(() => resolveOptions({ gracePeriod: "0s" })).toThrow(
      'gracePeriod must be greater than zero, got "0s"',
    );
    expect(() => resolveOptions({ gracePeriod: "soon" })).toThrow('invalid duration "soon"');
  });
});
