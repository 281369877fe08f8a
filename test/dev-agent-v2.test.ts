/**
 * The dev agent speaks contract v2 (protocol.md "Contract v2") on the same port as v1, choosing
 * per request from the body's shape: register takes a ServiceNode (the agent's rules, first
 * problem answered), drain and deregister are keyed by app_id + app_instance_id.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Agent, fetch } from "undici";
import { afterAll, describe, expect, it } from "vitest";
import type { DevAgent, DevAgentOptions } from "../src/dev-agent/server.ts";
import { startTestDevAgent } from "./support/cli.ts";
import { authWireBody } from "./support/fixtures.ts";

// biome-ignore lint/suspicious/noExplicitAny: the tests edit JSON bodies field by field.
type JSONObject = Record<string, any>;

/** protocol.md's v2 register body, as written there. */
function sample(): JSONObject {
  return JSON.parse(readFileSync(join(import.meta.dirname, "fixtures/v2/register-body.json"), "utf8"));
}

const INSTANCE = "0193a5c2-7d4e-7f3a-9b1c-5e6f7a8b9c0d";
const KEY = { app_id: "10001", app_instance_id: INSTANCE };

/** A connection per request: none is left to a restarted agent's closed socket. */
const unpooled = new Agent({ pipelining: 0 });
afterAll(() => unpooled.close());

async function post(target: DevAgent, path: string, body: unknown) {
  const response = await fetch(`${target.url}${path}`, {
    dispatcher: unpooled,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as JSONObject };
}

async function agent(options: DevAgentOptions = {}) {
  const lines: string[] = [];
  const target = await startTestDevAgent({ log: (line) => lines.push(line), ...options });
  return { target, lines };
}

/** The sample with one change made by `edit`. */
function edited(edit: (body: JSONObject) => void): JSONObject {
  const body = sample();
  edit(body);
  return body;
}

describe("dev agent, contract v2: register", () => {
  it("accepts protocol.md's sample body and shows the instance in its answer, the handle and /debug/services", async () => {
    const { target, lines } = await agent();
    const { status, body } = await post(target, "/register", sample());
    expect(status).toBe(200);
    const shown = {
      contract: "v2",
      app_id: "10001",
      instance_id: INSTANCE,
      service_name: "auth",
      server_port: 9090,
      state: "Registered",
      register_count: 1,
      drain_deadline: "",
      deregistered_at: "",
      request: sample(),
    };
    expect(body).toMatchObject(shown);
    expect(Date.parse(body.registered_at)).not.toBeNaN();
    expect(target.services()).toEqual([
      expect.objectContaining({
        contract: "v2",
        appId: "10001",
        instanceId: INSTANCE,
        name: "auth",
        port: 9090,
      }),
    ]);
    expect(target.nodes).toEqual([
      expect.objectContaining({ app: expect.objectContaining({ id: "10001", instanceId: INSTANCE }) }),
    ]);
    expect(target.registrations).toEqual([]);
    const view = (await (await fetch(`${target.url}/debug/services`)).json()) as JSONObject;
    expect(view.services).toEqual([expect.objectContaining(shown)]);
    expect(lines).toEqual([`register v2 10001/${INSTANCE} (auth, server_port 9090) → Registered`]);
  });

  it("reads the kernel keys in either spelling, as a Go agent does", async () => {
    const { target } = await agent();
    const lower = edited((body) => {
      body.kernel = { language: "Node.js", version: "v22.11.0" };
    });
    const { status, body } = await post(target, "/register", lower);
    expect(status).toBe(200);
    expect(body.request.kernel).toEqual({ Language: "Node.js", Version: "v22.11.0" });
  });

  it("the same app id + instance id again is an idempotent refresh; another instance id is another instance", async () => {
    const { target, lines } = await agent();
    await post(target, "/register", sample());
    const again = await post(
      target,
      "/register",
      edited((body) => {
        body.service.weight = 50;
      }),
    );
    expect(again.body).toMatchObject({
      instance_id: INSTANCE,
      register_count: 2,
      request: { service: { weight: 50 } },
    });
    expect(target.services()).toHaveLength(1);
    expect(lines[1]).toBe(
      `register v2 10001/${INSTANCE} (auth, server_port 9090) → Registered (idempotent refresh #2)`,
    );
    await post(
      target,
      "/register",
      edited((body) => {
        body.app.instance_id = "0193a5c2-0000-7000-8000-000000000001";
      }),
    );
    expect(target.services().map((service) => service.instanceId)).toEqual([
      INSTANCE,
      "0193a5c2-0000-7000-8000-000000000001",
    ]);
    expect(target.nodes).toHaveLength(3);
  });

  it("refuses with the agent's text for each rule, the first problem only", async () => {
    const { target, lines } = await agent();
    const blank: Array<[string, (body: JSONObject) => void]> = [
      ["app.id", (body) => (body.app.id = " ")],
      ["app.instance_id", (body) => (body.app.instance_id = "")],
      ["app.name", (body) => (body.app.name = "")],
      ["app.env", (body) => delete body.app.env],
      ["app.version", (body) => (body.app.version = "")],
      ["kernel.language", (body) => (body.kernel.Language = "")],
      ["kernel.version", (body) => delete body.kernel.Version],
      ["service.name", (body) => (body.service.name = "")],
      ["service.namespace", (body) => (body.service.namespace = " ")],
      ["protocol", (body) => (body.protocol = "")],
      ["dns", (body) => delete body.dns],
    ];
    for (const [field, edit] of blank) {
      expect(await post(target, "/register", edited(edit)), field).toEqual({
        status: 400,
        body: { error: `${field} is required` },
      });
    }
    const rules: Array<[string, (body: JSONObject) => void]> = [
      ["server_port is invalid: 0", (body) => (body.server_port = 0)],
      ["server_port is invalid: 70000", (body) => (body.server_port = 70_000)],
      ["service.weight must be greater than zero", (body) => (body.service.weight = 0)],
      ["methods must not be empty", (body) => (body.methods = [])],
      ["method is invalid: Logout", (body) => body.methods.push("Logout")],
      [
        "http_routes[0].full_method is not declared in methods: /acme.auth.v1.AuthService/Refresh",
        (body) => (body.http_routes[0].full_method = "/acme.auth.v1.AuthService/Refresh"),
      ],
      ["duplicate http route: POST /v1/login", (body) => body.http_routes.push({ ...body.http_routes[0] })],
      [
        "http_routes must not mix grpc transcoding and http proxy routes",
        (body) => body.http_routes.push({ http_method: "GET", path: "/status" }),
      ],
      [
        "gateway manifest routes[0].http_method is required",
        (body) => (body.http_routes[0].http_method = ""),
      ],
      ["app.id is required", (body) => Object.assign(body, { server_port: 0, app: { ...body.app, id: "" } })],
      [
        'invalid request body: field "service.port" must be a number, got string',
        (body) => (body.service.port = "9090"),
      ],
    ];
    for (const [error, edit] of rules) {
      expect(await post(target, "/register", edited(edit)), error).toEqual({ status: 400, body: { error } });
    }
    expect(target.services()).toEqual([]);
    expect(target.nodes).toEqual([]);
    expect(lines[0]).toBe("register v2 refused: app.id is required");
  });
});

describe("dev agent, contract v2: drain and deregister by instance id", () => {
  it("drains (deadline now + grace) and deregisters the instance, shown in /debug/services", async () => {
    const { target, lines } = await agent();
    await post(target, "/register", sample());
    const before = Date.now();
    const drained = await post(target, "/drain", { ...KEY, grace_period: "1m30s" });
    expect(drained.status).toBe(200);
    expect(drained.body).toMatchObject({ contract: "v2", state: "Draining", grace_period: "1m30s" });
    expect(Date.parse(drained.body.drain_deadline)).toBeGreaterThanOrEqual(before + 90_000);
    expect(target.services().map((service) => service.state)).toEqual(["Draining"]);
    const gone = await post(target, "/deregister", KEY);
    expect(gone.body).toMatchObject({ state: "Deregistered", instance_id: INSTANCE });
    expect(target.services()).toEqual([]);
    const view = (await (await fetch(`${target.url}/debug/services`)).json()) as JSONObject;
    expect(view.deregistered).toEqual([
      expect.objectContaining({ contract: "v2", app_id: "10001", state: "Deregistered", request: sample() }),
    ]);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(new RegExp(`^drain v2 10001/${INSTANCE} → Draining \\(grace 1m30s, deadline `)),
      `deregister v2 10001/${INSTANCE} → Deregistered`,
    ]);
  });

  it("refuses a blank app_id or app_instance_id, and grace periods as v1 does", async () => {
    const { target } = await agent();
    await post(target, "/register", sample());
    for (const path of ["/drain", "/deregister"]) {
      expect(await post(target, path, { app_id: " ", app_instance_id: INSTANCE })).toEqual({
        status: 400,
        body: { error: "app_id is required" },
      });
      expect(await post(target, path, { app_id: "10001", app_instance_id: "" })).toEqual({
        status: 400,
        body: { error: "app_instance_id is required" },
      });
      expect((await post(target, path, { app_instance_id: "" })).body).toEqual({
        error: "app_id is required",
      });
    }
    expect((await post(target, "/drain", { ...KEY, grace_period: "0s" })).body).toEqual({
      error: "grace_period must be greater than zero: 0s",
    });
    expect((await post(target, "/drain", { ...KEY, grace_period: "soon" })).body).toEqual({
      error: "grace_period is invalid: soon",
    });
    expect(target.services().map((service) => service.state)).toEqual(["Registered"]);
    const { body } = await post(target, "/drain", KEY);
    expect(Date.parse(body.drain_deadline) - Date.parse(body.drained_at)).toBe(20_000);
  });

  it("answers `local service not found: <app_id>/<app_instance_id>` for an instance it does not hold", async () => {
    const { target } = await agent({ envelope: true });
    await post(target, "/register", sample());
    for (const path of ["/drain", "/deregister"]) {
      const answer = await post(target, path, { app_id: "10001", app_instance_id: "nope" });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({
        success: false,
        code: "NOT_FOUND",
        message: "local service not found: 10001/nope",
      });
    }
    expect(
      (await post(target, "/deregister", { app_id: "10002", app_instance_id: INSTANCE })).body.message,
    ).toBe(`local service not found: 10002/${INSTANCE}`);
  });
});

describe("dev agent: both contracts on one agent", () => {
  it("holds a v1 and a v2 instance of the same name and port apart; each contract reaches only its own", async () => {
    const { target } = await agent();
    expect((await post(target, "/register", authWireBody)).status).toBe(200);
    expect((await post(target, "/register", sample())).status).toBe(200);
    expect(target.services().map((service) => `${service.contract} ${service.name}:${service.port}`)).toEqual(
      ["v1 auth:9090", "v2 auth:9090"],
    );
    expect(target.registrations).toHaveLength(1);
    expect(target.nodes).toHaveLength(1);
    await post(target, "/drain", { name: "auth", port: 9090, grace_period: "5s" });
    expect(target.services().map((service) => `${service.contract} ${service.state}`)).toEqual([
      "v1 Draining",
      "v2 Registered",
    ]);
    await post(target, "/deregister", KEY);
    expect(target.services().map((service) => service.contract)).toEqual(["v1"]);
    expect(target.deregistered().map((service) => service.contract)).toEqual(["v2"]);
  });

  it("a restart forgets both; the handle keeps what it was sent", async () => {
    const { target } = await agent();
    await post(target, "/register", authWireBody);
    await post(target, "/register", sample());
    await target.restart();
    expect(target.services()).toEqual([]);
    expect((await post(target, "/deregister", { name: "auth", port: 9090 })).body).toEqual({
      error: "local service not found: auth:9090",
    });
    expect((await post(target, "/deregister", KEY)).body).toEqual({
      error: `local service not found: 10001/${INSTANCE}`,
    });
    expect([target.registrations.length, target.nodes.length]).toEqual([1, 1]);
  });

  it("while not ready, refuses a v2 register with 503 not_ready too, and takes it once ready", async () => {
    const { target } = await agent({ ready: false, envelope: true });
    const refused = await post(target, "/register", sample());
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ success: false, code: "not_ready" });
    expect(target.services()).toEqual([]);
    target.setReady(true);
    expect((await post(target, "/register", sample())).status).toBe(200);
  });

  it("a v1 register that lacks `name` is still v1 (`name is required`), though it has app_id", async () => {
    const { target } = await agent();
    const { name: _omitted, ...withoutName } = authWireBody;
    expect(await post(target, "/register", withoutName)).toEqual({
      status: 400,
      body: { error: "name is required" },
    });
  });
});
