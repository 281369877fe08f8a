/** The package's promises to its users: every option error names its option, shutdown takes an AbortSignal. */
import { describe, expect, it } from "vitest";
import { createLifecycle } from "../src/lifecycle.ts";
import type { RuntimeOptions } from "../src/options.ts";
import { authRequest } from "./support/fixtures.ts";
import { useAgent, waitForStatus, within } from "./support/lifecycle-harness.ts";

const h = useAgent();

/** What a caller without types may pass: the wrong type or a bad value, one option at a time. */
const badOptions: [keyof RuntimeOptions, unknown][] = [
  ["gracePeriod", "5"],
  ["gracePeriod", 5],
  ["gracePeriod", "0s"],
  ["baseURL", 15010],
  ["watchURL", {}],
  ["requestTimeout", "3000"],
  ["reconnectInterval", -1],
  ["livenessTimeout", Number.NaN],
  ["shutdownTimeout", 0],
  ["drainDelay", "1s"],
  ["forceTimeout", null],
  ["maxFrameSize", "1MiB"],
  ["onError", "console.error"],
  ["log", true],
  ["managedPort", 70_000],
  ["managedPort", "9000"],
  ["managedHost", 127],
];

describe("option errors", () => {
  it.each(badOptions)("createLifecycle(request, { %s: %o }) throws naming the option", (name, value) => {
    const create = () => createLifecycle(authRequest(), { [name]: value } as RuntimeOptions);
    expect(create).toThrow(name);
  });

  it("keeps the duration parser's error as the cause of a bad gracePeriod", () => {
    let thrown: unknown;
    try {
      createLifecycle(authRequest(), { gracePeriod: "5" });
    } catch (error) {
      thrown = error;
    }
    expect((thrown as Error).message).toBe(
      'gracePeriod: invalid duration "5": expected e.g. 300ms, 20s, 1m30s',
    );
    expect((thrown as Error).cause).toBeInstanceOf(RangeError);
  });
});

describe("shutdown({ signal })", () => {
  it("rejects with the signal's reason when it aborts first, and the way out still finishes", async () => {
    h.agent.respond["/drain"] = () => "hold";
    const lifecycle = h.start({ livenessTimeout: 600_000, drainDelay: 0 });
    await waitForStatus(lifecycle, (s) => s.registered, "registered");

    const controller = new AbortController();
    const waiting = lifecycle.shutdown({ signal: controller.signal });
    await h.agent.until(() => h.agent.held("/drain") === 1, "the drain to be held");
    controller.abort(new Error("caller gave up"));
    await expect(waiting).rejects.toThrow("caller gave up");

    h.agent.answerHeld("/drain", { status: 200, body: {} });
    const final = await within(lifecycle.shutdown(), "the way out to finish");
    expect(final.state).toBe("deregistered");
    expect(h.agent.calls.map((call) => call.path)).toEqual(["/register", "/drain", "/deregister"]);
  });

  it("rejects at once with an already aborted signal", async () => {
    const lifecycle = h.start({ livenessTimeout: 600_000 });
    const reason = new Error("already aborted");
    await expect(lifecycle.shutdown({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect((await within(lifecycle.shutdown(), "the way out")).state).toBe("deregistered");
  });
});
