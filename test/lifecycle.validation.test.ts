/** createLifecycle refuses a request the agent would refuse, at once, naming every problem. */
import { describe, expect, it } from "vitest";
import { InvalidRegistrationError } from "../src/agent/validate.ts";
import { createLifecycle } from "../src/lifecycle.ts";
import { authRequest } from "./support/fixtures.ts";

describe("lifecycle: request validation", () => {
  it("throws one error listing every problem", () => {
    const request = { ...authRequest(), dns: " ", port: 70_000, methods: ["Login"] };
    let thrown: unknown;
    try {
      createLifecycle(request);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidRegistrationError);
    expect((thrown as InvalidRegistrationError).problems).toEqual([
      "dns is required",
      "port is invalid: 70000",
      "method is invalid: Login",
    ]);
    expect((thrown as Error).message).toBe(
      'invalid registration for service "auth" port 70000: dns is required; port is invalid: 70000; method is invalid: Login',
    );
  });
});
