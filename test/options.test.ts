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
        // The way out's budget: deregister keeps min(requestTimeout, a quarter) at the end,
        // the server stop the quarter before, the drain step the rest.
        drainDelay: 16_500,
        drainDeadline: 19_500,
        stopDeadline: 27_000,
        shutdownTimeout: 30_000,
        forceTimeout: 500,
      },
    });
    expect(() => options.onError(new Error("ignored"))).not.toThrow();
  });

  it("derives the watch URL from the base URL, trailing slashes dropped", () => {
    expect(resolveOptions({ baseURL: "http://127.0.0.1:7000/" }).watchURL).toBe(
      "http://127.0.0.1:7000/watch",
    );
    expect(resolveOptions({ watchURL: "http://10.0.0.1/events" }).watchURL).toBe("http://10.0.0.1/events");
  });

  it("defaults the drain delay to the grace period, capped so the drain call still fits in the drain step", () => {
    expect(resolveOptions({ gracePeriod: "5s" }).timing.drainDelay).toBe(5_000);
    // Drain step ends at 30000 − 7500 (server stop) − 3000 (deregister); one call must fit before it.
    expect(resolveOptions({ gracePeriod: "1m" }).timing.drainDelay).toBe(19_500 - 3_000);
    const small = resolveOptions({
      gracePeriod: "20s",
      shutdownTimeout: 10_000,
      requestTimeout: 1_000,
    }).timing;
    expect(small).toMatchObject({ drainDeadline: 6_500, stopDeadline: 9_000, drainDelay: 5_500 });
    expect(resolveOptions({ shutdownTimeout: 2_000, requestTimeout: 1_000 }).timing).toMatchObject({
      drainDeadline: 1_000,
      stopDeadline: 1_500,
      drainDelay: 0,
    });
  });

  it("refuses a budget that cannot fit: a request timeout as long as the deadline, a drain delay past the drain step", () => {
    expect(() => resolveOptions({ shutdownTimeout: 2_000, requestTimeout: 3_000 })).toThrow(
      "requestTimeout (3000) must be below shutdownTimeout (2000): one drain or deregister call could outlast the whole way out",
    );
    expect(() =>
      resolveOptions({ shutdownTimeout: 2_000, requestTimeout: 1_000, drainDelay: 1_200 }),
    ).toThrow("drainDelay (1200) does not fit: with shutdownTimeout 2000 the drain step must end by 1000 ms");
  });

  it("takes an explicit drain delay, zero included", () => {
    expect(resolveOptions({ drainDelay: 0 }).timing.drainDelay).toBe(0);
    expect(resolveOptions({ drainDelay: 1_500 }).timing.drainDelay).toBe(1_500);
  });

  it("sends an empty grace period as empty (the agent's default) and waits as for 20 s, capped by the budget", () => {
    const options = resolveOptions({ gracePeriod: "", shutdownTimeout: 40_000 });
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
