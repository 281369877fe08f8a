/** JSONHTTPClient and the register / drain / deregister actors against a real loopback agent. */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { createActor, toPromise } from "xstate";
import { agentCallActors } from "../src/actors.ts";
import { interpretAgentResponse, JSONHTTPClient } from "../src/agent/http-client.ts";
import { v1Calls, v1Registration } from "../src/agent/registration.ts";
import {
  AgentAnswerNotJSONError,
  AgentUnreachableError,
  RegisterReplayError,
  ShutdownStepError,
  SidecarAPIError,
} from "../src/errors.ts";
import { TestAgent } from "./support/agent.ts";
import { authRequest, authWireBody } from "./support/fixtures.ts";
import { rejectionOf } from "./support/lifecycle-harness.ts";

let agent: TestAgent;
let client: JSONHTTPClient;

beforeEach(async () => {
  agent = await TestAgent.start();
  client = new JSONHTTPClient(agent.url, 2_000);
});
afterEach(async () => {
  await agent.close();
  await client.close();
});

const envelope = (success: boolean, code: string, message: string) => ({
  success,
  code,
  message,
  data: {},
  generated_at: "2026-04-21T08:00:00Z",
});

describe("JSONHTTPClient wire format", () => {
  it("posts register with the exact snake_case body of protocol.md", async () => {
    await client.register(authRequest());
    expect(agent.calls).toEqual([{ path: "/register", body: authWireBody }]);
  });

  it("posts drain as {name, port, grace_period} and deregister as {name, port}", async () => {
    await client.drain({ name: "auth", port: 9090, gracePeriod: "20s" });
    await client.deregister({ name: "auth", port: 9090 });
    expect(agent.calls).toEqual([
      { path: "/drain", body: { name: "auth", port: 9090, grace_period: "20s" } },
      { path: "/deregister", body: { name: "auth", port: 9090 } },
    ]);
  });

  it("keeps a base path in front of the operation", async () => {
    const prefixed = new JSONHTTPClient(`${agent.url}/admin/`, 2_000);
    const error = await rejectionOf(prefixed.register(authRequest()));
    await prefixed.close();
    // The test agent serves only /register, so the 404 proves the call went to /admin/register.
    expect((error as Error).message).toBe("agent answered 404: not found");
  });
});

describe("JSONHTTPClient answers", () => {
  it("accepts a plain 200 and a 200 envelope with success:true, resolving with the agent's payload", async () => {
    agent.respond["/register"] = () => ({
      status: 200,
      body: { instance_id: "auth-1", state: "Registered" },
    });
    await expect(client.register(authRequest())).resolves.toEqual({
      instance_id: "auth-1",
      state: "Registered",
    });
    agent.respond["/register"] = () => ({ status: 200, body: envelope(true, "OK", "registered") });
    await expect(client.register(authRequest())).resolves.toEqual({});
  });

  it("fails a 200 envelope with success:false, carrying its code and message", async () => {
    agent.respond["/drain"] = () => ({
      status: 200,
      body: envelope(false, "DRAIN_REJECTED", "grace period too long"),
    });
    const error = await rejectionOf(client.drain({ name: "auth", port: 9090, gracePeriod: "20s" }));
    expect(error).toBeInstanceOf(SidecarAPIError);
    expect(error).toMatchObject({
      kind: "sidecar_api",
      operation: "drain",
      statusCode: 200,
      code: "DRAIN_REJECTED",
      agentMessage: "grace period too long",
      message: "agent answered 200: DRAIN_REJECTED: grace period too long",
    });
  });

  it("puts the agent's own text of a plain 400 into the message", async () => {
    agent.respond["/register"] = () => ({ status: 400, body: { error: "methods must not be empty" } });
    const error = await rejectionOf(client.register(authRequest()));
    expect(error).toMatchObject({
      statusCode: 400,
      message: "agent answered 400: methods must not be empty",
    });
  });

  it("puts an envelope 400's code and message into the message", async () => {
    agent.respond["/register"] = () => ({
      status: 400,
      body: envelope(false, "INVALID", "port is invalid: 0"),
    });
    const error = await rejectionOf(client.register(authRequest()));
    expect((error as Error).message).toBe("agent answered 400: INVALID: port is invalid: 0");
  });

  it("reports a 500 with its error text", async () => {
    agent.respond["/register"] = () => ({ status: 500, body: { error: "xds refresh failed" } });
    const error = await rejectionOf(client.register(authRequest()));
    expect((error as Error).message).toBe("agent answered 500: xds refresh failed");
  });

  it("knows `local service not found` as the not-found answer, and nothing else", async () => {
    agent.respond["/deregister"] = () => ({
      status: 400,
      body: { error: "local service not found: auth:9090" },
    });
    const notFound = (await rejectionOf(client.deregister({ name: "auth", port: 9090 }))) as SidecarAPIError;
    expect(notFound.isLocalServiceNotFound).toBe(true);
    agent.respond["/deregister"] = () => ({ status: 400, body: { error: "port is invalid: 0" } });
    const invalid = (await rejectionOf(client.deregister({ name: "auth", port: 0 }))) as SidecarAPIError;
    expect(invalid.isLocalServiceNotFound).toBe(false);
  });

  it("uses a non-JSON body as the agent's text", () => {
    expect(() => interpretAgentResponse("register", 502, "bad gateway\n")).toThrow(
      "agent answered 502: bad gateway",
    );
    expect(() => interpretAgentResponse("register", 502, "")).toThrow("agent answered 502: (empty answer)");
  });
});

describe("JSONHTTPClient transport failures", () => {
  it("gives up on a hanging agent after the per-request timeout", async () => {
    const impatient = new JSONHTTPClient(agent.url, 100);
    agent.respond["/register"] = () => "hang";
    const error = await rejectionOf(impatient.register(authRequest()));
    await impatient.close();
    expect(error).toBeInstanceOf(AgentUnreachableError);
    expect(error).toMatchObject({ kind: "runtime_error", operation: "register" });
    expect((error as Error).message).toBe(
      `register ${agent.url}/register: no answer from the agent: timed out after 100 ms`,
    );
  });

  it("reports a refused connection as AgentUnreachableError naming the URL", async () => {
    const url = agent.url;
    await agent.close();
    const error = await rejectionOf(client.deregister({ name: "auth", port: 9090 }));
    expect(error).toBeInstanceOf(AgentUnreachableError);
    expect((error as Error).message).toMatch(
      new RegExp(`^deregister ${url}/deregister: no answer from the agent: `),
    );
  });

  it("rejects with the caller's abort reason, and the agent sees the call abandoned", async () => {
    agent.respond["/register"] = () => "hang";
    const controller = new AbortController();
    const pending = rejectionOf(client.register(authRequest(), controller.signal));
    await agent.until(() => agent.calls.length === 1, "the register call");
    const reason = new Error("shutting down");
    controller.abort(reason);
    expect(await pending).toBe(reason);
    await agent.until(() => agent.abandoned.length === 1, "the aborted call to close");
  });

  it("refuses a base URL it cannot use, and a timeout that is not positive", () => {
    expect(() => new JSONHTTPClient("not a url")).toThrow('baseURL is not a valid URL: "not a url"');
    expect(() => new JSONHTTPClient("https://127.0.0.1:15010")).toThrow("baseURL must be an http:// URL");
    expect(() => new JSONHTTPClient("http://127.0.0.1:15010", 0)).toThrow(
      "requestTimeout must be a positive number of ms, got 0",
    );
  });
});

describe("agent call actors", () => {
  const notes: string[] = [];
  const actors = () => agentCallActors(v1Calls(client), (note) => notes.push(note));
  const registration = v1Registration(authRequest());

  it("wraps a refused register in RegisterReplayError carrying the agent's text", async () => {
    agent.respond["/register"] = () => ({ status: 400, body: { error: "methods must not be empty" } });
    const run = createActor(actors().register, { input: { registration } }).start();
    const error = await rejectionOf(toPromise(run));
    expect(error).toBeInstanceOf(RegisterReplayError);
    expect(error).toMatchObject({ kind: "register_replay", serviceName: "auth", servicePort: 9090 });
    expect((error as Error).message).toBe(
      "register replay failed: service=auth port=9090: agent answered 400: methods must not be empty",
    );
    expect((error as Error).cause).toBeInstanceOf(SidecarAPIError);
  });

  it("counts drain and deregister answered `local service not found` as done, with a note", async () => {
    const notFound = () => ({ status: 400, body: { error: "local service not found: auth:9090" } });
    agent.respond["/drain"] = notFound;
    agent.respond["/deregister"] = notFound;
    notes.length = 0;
    const drain = createActor(actors().drain, {
      input: { registration, gracePeriod: "20s" },
    }).start();
    expect(await toPromise(drain)).toEqual({ found: false });
    const deregister = createActor(actors().deregister, { input: { registration } });
    await expect(toPromise(deregister.start())).resolves.toBeUndefined();
    expect(notes).toEqual([
      "drain: the agent no longer knows auth:9090 (it restarted); nothing to drain",
      "deregister: the agent no longer knows auth:9090 (it restarted); already deregistered",
    ]);
  });

  it("reports a drain that reached the agent as found, and other failures as ShutdownStepError", async () => {
    const drain = createActor(actors().drain, {
      input: { registration, gracePeriod: "20s" },
    }).start();
    expect(await toPromise(drain)).toEqual({ found: true });
    agent.respond["/deregister"] = () => ({ status: 500, body: { error: "consul unavailable" } });
    const deregister = createActor(actors().deregister, {
      input: { registration },
    }).start();
    const error = await rejectionOf(toPromise(deregister));
    expect(error).toBeInstanceOf(ShutdownStepError);
    expect((error as Error).message).toBe(
      "deregister failed: service=auth port=9090: agent answered 500: consul unavailable",
    );
  });
});

describe("a 2xx that is not the agent's JSON (a proxy's page, an empty body)", () => {
  /** A client of a server answering every POST with `status`, `headers` and `body`, as no agent would. */
  async function clientOfRaw(status: number, headers: Record<string, string>, body: string) {
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(status, headers).end(body));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const raw = new JSONHTTPClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 2_000);
    onTestFinished(async () => {
      await raw.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    return raw;
  }
  const page = `<html>\n  <head><title>Sign in to the proxy</title></head>\n  <body>${"<p>terms</p>".repeat(30)}</body>\n</html>`;
  const pageStart = page.replace(/\s+/g, " ").slice(0, 200);

  it("fails a register answered 200 text/html, naming the content type and the body's start", async () => {
    const raw = await clientOfRaw(200, { "content-type": "text/html; charset=utf-8" }, page);
    const error = await rejectionOf(raw.register(authRequest()));
    expect(error).toBeInstanceOf(AgentAnswerNotJSONError);
    expect(error).toBeInstanceOf(SidecarAPIError);
    expect(error).toMatchObject({
      kind: "sidecar_api",
      operation: "register",
      statusCode: 200,
      contentType: "text/html; charset=utf-8",
      agentMessage: `${pageStart}…`,
      message: `agent answered 200 with content-type text/html; charset=utf-8, not JSON: ${pageStart}…`,
    });
  });

  it("fails an empty 200, and a 200 whose JSON is not an object", async () => {
    const empty = await clientOfRaw(200, {}, "");
    expect(await rejectionOf(empty.drain({ name: "auth", port: 9090, gracePeriod: "20s" }))).toMatchObject({
      message: "agent answered 200 with no content-type, not JSON: (empty body)",
    });
    const noContent = await clientOfRaw(204, { "content-type": "application/json" }, "");
    expect(await rejectionOf(noContent.deregister({ name: "auth", port: 9090 }))).toMatchObject({
      message: "agent answered 204 with content-type application/json, not JSON: (empty body)",
    });
    expect(() => interpretAgentResponse("register", 200, '["ok"]', "application/json")).toThrow(
      'agent answered 200 with content-type application/json, not a JSON object: ["ok"]',
    );
  });

  it("reads the JSON object whatever the content type says: parameters, or Go's text/plain for an unset header", async () => {
    const charset = await clientOfRaw(200, { "content-type": "application/json; charset=utf-8" }, "{}");
    await expect(charset.register(authRequest())).resolves.toEqual({});
    const sniffed = await clientOfRaw(
      200,
      { "content-type": "text/plain; charset=utf-8" },
      '{"state":"Registered"}',
    );
    await expect(sniffed.register(authRequest())).resolves.toEqual({ state: "Registered" });
  });

  it("counts as a failed register (register_replay) and a failed deregister (sidecar_api), never as not-found", async () => {
    const raw = await clientOfRaw(200, { "content-type": "text/html" }, "<html>sign in</html>");
    const calls = agentCallActors(v1Calls(raw), () => {});
    const registration = v1Registration(authRequest());
    const register = await rejectionOf(
      toPromise(createActor(calls.register, { input: { registration } }).start()),
    );
    expect(register).toBeInstanceOf(RegisterReplayError);
    expect(register).toMatchObject({ kind: "register_replay" });
    expect((register as Error).message).toBe(
      "register replay failed: service=auth port=9090: agent answered 200 with content-type text/html, not JSON: <html>sign in</html>",
    );
    const deregister = await rejectionOf(
      toPromise(createActor(calls.deregister, { input: { registration } }).start()),
    );
    expect(deregister).toBeInstanceOf(ShutdownStepError);
    expect(deregister).toMatchObject({ kind: "sidecar_api" });
  });
});
