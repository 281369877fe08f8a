import { afterEach, describe, expect, it } from "vitest";
import { JSONHTTPClient } from "../src/agent/http-client.ts";
import { openWatchStream } from "../src/agent/watch-stream.ts";
import { type DevAgent, type DevAgentOptions, startDevAgent } from "../src/dev-agent/server.ts";
import { ErrWatchStreamClosed, SidecarAPIError } from "../src/errors.ts";
import { authRequest, authWireBody } from "./support/fixtures.ts";

const agents: DevAgent[] = [];

async function agent(options: DevAgentOptions = {}): Promise<DevAgent> {
  const started = await startDevAgent({ port: 0, ...options });
  agents.push(started);
  return started;
}

afterEach(async () => {
  await Promise.all(agents.splice(0).map((started) => started.close()));
});

/** A request the agent accepts: protocol.md's example. */
const valid = authWireBody;

async function post(target: DevAgent, path: string, body: unknown) {
  const response = await fetch(`${target.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Reads the first `count` SSE frames (blocks separated by a blank line) of a new /watch stream. */
async function watchFrames(target: DevAgent, count: number): Promise<string[]> {
  const controller = new AbortController();
  const response = await fetch(`${target.url}/watch`, {
    headers: { accept: "text/event-stream" },
    signal: controller.signal,
  });
  expect(response.headers.get("content-type")).toBe("text/event-stream");
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (text.split("\n\n").length <= count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  controller.abort();
  return text.split("\n\n").slice(0, count);
}

function dataOf(frame: string): Record<string, unknown> {
  const line = frame.split("\n").find((part) => part.startsWith("data: ")) as string;
  return JSON.parse(line.slice("data: ".length)) as Record<string, unknown>;
}

describe("dev agent: register validation (every rule of protocol.md, exact texts)", () => {
  const required = [
    "app_id",
    "app_name",
    "name",
    "namespace",
    "dns",
    "env",
    "protocol",
    "version",
    "kernel.language",
    "kernel.version",
  ];

  for (const field of required) {
    it(`refuses an empty or blank ${field}`, async () => {
      const target = await agent();
      for (const blank of ["", "   "]) {
        const body = structuredClone(valid) as Record<string, unknown>;
        const [outer, inner] = field.split(".") as [string, string | undefined];
        if (inner) (body[outer] as Record<string, unknown>)[inner] = blank;
        else body[outer] = blank;
        expect(await post(target, "/register", body)).toEqual({
          status: 400,
          body: { error: `${field} is required` },
        });
      }
      const body = structuredClone(valid) as Record<string, unknown>;
      if (!field.includes(".")) delete body[field];
      else delete (body.kernel as Record<string, unknown>)[field.split(".")[1] as string];
      expect((await post(target, "/register", body)).body).toEqual({ error: `${field} is required` });
      expect(target.services()).toEqual([]);
    });
  }

  it("refuses a port outside 1..65535, naming it", async () => {
    const target = await agent();
    for (const port of [0, -1, 65_536, 70_000]) {
      expect(await post(target, "/register", { ...valid, port })).toEqual({
        status: 400,
        body: { error: `port is invalid: ${port}` },
      });
    }
    const { port: _omitted, ...withoutPort } = valid;
    expect((await post(target, "/register", withoutPort)).body).toEqual({ error: "port is invalid: 0" });
    expect((await post(target, "/register", { ...valid, port: 65_535 })).status).toBe(200);
    expect((await post(target, "/register", { ...valid, port: 1 })).status).toBe(200);
  });

  it("refuses a weight of zero or less", async () => {
    const target = await agent();
    for (const weight of [0, -5]) {
      expect(await post(target, "/register", { ...valid, weight })).toEqual({
        status: 400,
        body: { error: "weight must be greater than zero" },
      });
    }
    expect((await post(target, "/register", { ...valid, weight: 1 })).status).toBe(200);
  });

  it("refuses empty methods and a method not starting with /", async () => {
    const target = await agent();
    expect(await post(target, "/register", { ...valid, methods: [] })).toEqual({
      status: 400,
      body: { error: "methods must not be empty" },
    });
    const { methods: _omitted, ...withoutMethods } = valid;
    expect((await post(target, "/register", withoutMethods)).body).toEqual({
      error: "methods must not be empty",
    });
    expect(
      await post(target, "/register", { ...valid, methods: ["/acme.auth.v1.AuthService/Login", "Logout"] }),
    ).toEqual({ status: 400, body: { error: "method is invalid: Logout" } });
    expect(target.registrations).toEqual([]);
  });

  it("accepts a valid request: instance id, state Registered, the request echoed", async () => {
    const target = await agent();
    const { status, body } = await post(target, "/register", valid);
    expect(status).toBe(200);
    expect(body).toMatchObject({ name: "auth", port: 9090, state: "Registered", request: valid });
    expect(body.instance_id).toMatch(/^auth-9090-[0-9a-f]{8}$/);
    expect(target.services()).toHaveLength(1);
    expect(target.registrations).toEqual([expect.objectContaining({ name: "auth", appId: "10001" })]);
  });

  it("treats the same name+port as an idempotent refresh; another port is another instance", async () => {
    const target = await agent();
    const first = await post(target, "/register", valid);
    const again = await post(target, "/register", { ...valid, weight: 50 });
    expect(again.body.instance_id).toBe(first.body.instance_id);
    expect(again.body).toMatchObject({ register_count: 2, request: { weight: 50 } });
    expect(target.services()).toHaveLength(1);
    await post(target, "/register", { ...valid, port: 9091 });
    expect(target.services().map((service) => `${service.name}:${service.port}`)).toEqual([
      "auth:9090",
      "auth:9091",
    ]);
  });
});

describe("dev agent: malformed bodies are 400s with a clear error, never a crash", () => {
  it("answers bad JSON, wrong field types and a non-object body", async () => {
    const target = await agent();
    const cases: Array<[string, unknown, RegExp]> = [
      ["/register", "{not json", /^invalid request body: body is not valid JSON: /],
      [
        "/register",
        { ...valid, port: "9090" },
        /^invalid request body: field "port" must be a number, got string$/,
      ],
      [
        "/register",
        { ...valid, port: 90.5 },
        /^invalid request body: field "port" must be an integer, got 90.5$/,
      ],
      ["/register", { ...valid, weight: true }, /field "weight" must be a number, got boolean$/],
      ["/register", { ...valid, methods: "/a/b" }, /field "methods" must be an array, got string$/],
      ["/register", { ...valid, methods: ["/a/b", 7] }, /field "methods\[1\]" must be a string, got number$/],
      ["/register", { ...valid, kernel: "Node.js" }, /field "kernel" must be an object, got string$/],
      [
        "/register",
        { ...valid, kernel: { language: 1, version: "v" } },
        /"kernel.language" must be a string/,
      ],
      ["/register", { ...valid, name: ["auth"] }, /field "name" must be a string, got array$/],
      ["/register", [valid], /^invalid request body: expected a JSON object$/],
      [
        "/drain",
        { name: "auth", port: 9090, grace_period: 20 },
        /"grace_period" must be a string, got number$/,
      ],
      ["/deregister", "null", /^invalid request body: expected a JSON object$/],
      ["/deregister", "", /^invalid request body: body is not valid JSON/],
    ];
    for (const [path, body, error] of cases) {
      const answer = await post(target, path, body);
      expect(answer.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(answer.body.error).toMatch(error);
    }
    expect((await fetch(`${target.url}/healthz`)).status).toBe(200);
  });

  it("ignores unknown fields, as Go's decoder does", async () => {
    const target = await agent();
    expect((await post(target, "/register", { ...valid, zone: "eu-1", extra: { a: 1 } })).status).toBe(200);
  });

  it("refuses a body over 1 MiB and keeps serving", async () => {
    const target = await agent();
    const huge = JSON.stringify({ ...valid, dns: "x".repeat(1024 * 1024) });
    const answer = await post(target, "/register", huge);
    expect(answer).toEqual({
      status: 400,
      body: { error: "request body too large: the limit is 1048576 bytes (1 MiB)" },
    });
    expect(target.services()).toEqual([]);
    expect((await post(target, "/register", valid)).status).toBe(200);
  });

  it("answers 404 for an unknown path and 405 for a wrong method", async () => {
    const target = await agent();
    const missing = await fetch(`${target.url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "no such endpoint: GET /nope" });
    const wrong = await fetch(`${target.url}/register`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST");
    expect(await wrong.json()).toEqual({ error: "method GET not allowed on /register: use POST" });
    expect((await post(target, "/healthz", {})).status).toBe(405);
    // `//register` is a path, not a host name: the error names what was asked for.
    const doubled = await post(target, "//register", valid);
    expect(doubled).toEqual({ status: 404, body: { error: "no such endpoint: POST //register" } });
  });
});

describe("dev agent: drain and deregister", () => {
  it("drains with the grace period: state Draining, deadline now + grace, instance kept", async () => {
    const target = await agent();
    await post(target, "/register", valid);
    for (const [grace, ms] of [
      ["1m30s", 90_000],
      ["300ms", 300],
      ["", 20_000],
    ] as const) {
      const before = Date.now();
      const { status, body } = await post(target, "/drain", {
        name: "auth",
        port: 9090,
        grace_period: grace,
      });
      const after = Date.now();
      expect(status).toBe(200);
      expect(body).toMatchObject({ state: "Draining", grace_period: grace });
      const deadline = Date.parse(body.drain_deadline as string);
      expect(deadline).toBeGreaterThanOrEqual(before + ms);
      expect(deadline).toBeLessThanOrEqual(after + ms);
    }
    expect(target.services().map((service) => service.state)).toEqual(["Draining"]);
  });

  it("refuses a zero, negative or unparsable grace period, and an absent one means 20s", async () => {
    const target = await agent();
    await post(target, "/register", valid);
    const drain = (grace_period: string) =>
      post(target, "/drain", { name: "auth", port: 9090, grace_period });
    expect(await drain("0s")).toEqual({
      status: 400,
      body: { error: "grace_period must be greater than zero: 0s" },
    });
    expect(await drain("0")).toEqual({
      status: 400,
      body: { error: "grace_period must be greater than zero: 0" },
    });
    expect(await drain("-5s")).toEqual({
      status: 400,
      body: { error: "grace_period must be greater than zero: -5s" },
    });
    expect(await drain("soon")).toEqual({ status: 400, body: { error: "grace_period is invalid: soon" } });
    // Past Go's largest duration (about 292 years) ParseDuration fails: a 400, not a 500.
    expect(await drain("99999999999h")).toEqual({
      status: 400,
      body: { error: "grace_period is invalid: 99999999999h" },
    });
    expect(target.services()[0]?.state).toBe("Registered");
    const { body } = await post(target, "/drain", { name: "auth", port: 9090 });
    expect(Date.parse(body.drain_deadline as string) - Date.parse(body.drained_at as string)).toBe(20_000);
  });

  it("answers `local service not found: name:port` for an unknown instance", async () => {
    const target = await agent();
    expect(await post(target, "/drain", { name: "auth", port: 9090, grace_period: "1s" })).toEqual({
      status: 400,
      body: { error: "local service not found: auth:9090" },
    });
    expect(await post(target, "/deregister", { name: "auth", port: 9090 })).toEqual({
      status: 400,
      body: { error: "local service not found: auth:9090" },
    });
  });

  it("refuses a blank name or an invalid port on drain and deregister", async () => {
    const target = await agent();
    for (const path of ["/drain", "/deregister"]) {
      expect(await post(target, path, { name: " ", port: 9090 })).toEqual({
        status: 400,
        body: { error: "name is required" },
      });
      expect(await post(target, path, { name: "auth", port: 0 })).toEqual({
        status: 400,
        body: { error: "port is invalid: 0" },
      });
      expect(await post(target, path, { name: "auth", port: 65_536 })).toEqual({
        status: 400,
        body: { error: "port is invalid: 65536" },
      });
    }
  });

  it("deregister removes the instance: Registered → Draining → Deregistered, shown in /debug/services", async () => {
    const target = await agent();
    await post(target, "/register", valid);
    await post(target, "/drain", { name: "auth", port: 9090, grace_period: "1s" });
    const { status, body } = await post(target, "/deregister", { name: "auth", port: 9090 });
    expect(status).toBe(200);
    expect(body).toMatchObject({ state: "Deregistered", grace_period: "1s" });
    expect(target.services()).toEqual([]);
    const view = (await (await fetch(`${target.url}/debug/services`)).json()) as Record<string, unknown>;
    expect(view).toMatchObject({
      restarts: 0,
      protocol: "structured",
      services: [],
      deregistered: [{ name: "auth", port: 9090, state: "Deregistered", request: valid }],
    });
    expect((await post(target, "/deregister", { name: "auth", port: 9090 })).body).toEqual({
      error: "local service not found: auth:9090",
    });
  });

  it("a register during a drain makes the instance Registered again", async () => {
    const target = await agent();
    await post(target, "/register", valid);
    await post(target, "/drain", { name: "auth", port: 9090, grace_period: "1s" });
    const { body } = await post(target, "/register", valid);
    expect(body).toMatchObject({ state: "Registered", drain_deadline: "", register_count: 2 });
  });
});

describe("dev agent: response shapes", () => {
  it("plain shape by default; /healthz is {status: ok}", async () => {
    const target = await agent();
    expect(await (await fetch(`${target.url}/healthz`)).json()).toEqual({ status: "ok" });
  });

  it("--envelope wraps every answer: success, code, message, data, generated_at", async () => {
    const target = await agent({ envelope: true });
    const ok = await post(target, "/register", valid);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      success: true,
      code: "OK",
      message: "ok",
      data: { state: "Registered" },
    });
    expect(Number.isNaN(Date.parse(ok.body.generated_at as string))).toBe(false);
    const refused = await post(target, "/register", { ...valid, methods: [] });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      success: false,
      code: "INVALID_ARGUMENT",
      message: "methods must not be empty",
      data: null,
    });
    const missing = await post(target, "/drain", { name: "nope", port: 1, grace_period: "1s" });
    expect(missing.body).toMatchObject({
      success: false,
      code: "NOT_FOUND",
      message: "local service not found: nope:1",
    });
    expect(await (await fetch(`${target.url}/healthz`)).json()).toMatchObject({
      success: true,
      data: { status: "ok" },
    });
  });

  it("the library's client reads both shapes and carries the agent's text", async () => {
    for (const envelope of [false, true]) {
      const target = await agent({ envelope });
      const client = new JSONHTTPClient(target.url, 2_000);
      try {
        await expect(
          client.register({
            appId: "1",
            appName: "auth",
            name: "auth",
            namespace: "default",
            port: 9090,
            dns: "auth.default",
            env: "dev",
            weight: 1,
            protocol: "grpc",
            kernel: { language: "Node.js", version: "v20" },
            methods: [],
            version: "v1",
          }),
        ).rejects.toThrow("methods must not be empty");
        const error = await client
          .deregister({ name: "auth", port: 9090 })
          .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(SidecarAPIError);
        expect((error as SidecarAPIError).isLocalServiceNotFound).toBe(true);
      } finally {
        await client.close();
      }
    }
  });
});

describe("dev agent: /watch", () => {
  it("legacy: `event: connected` / `data: ok`, then `: heartbeat` comments", async () => {
    const target = await agent({ protocol: "legacy", heartbeatMs: 20 });
    expect(await watchFrames(target, 3)).toEqual([
      "event: connected\ndata: ok",
      ": heartbeat",
      ": heartbeat",
    ]);
  });

  it("structured: increasing ids across streams and JSON payloads; ids start again after a restart", async () => {
    const target = await agent({ heartbeatMs: 20 });
    const frames = await watchFrames(target, 3);
    expect(frames.map((frame) => frame.split("\n").slice(0, 2))).toEqual([
      ["id: 1", "event: connected"],
      ["id: 2", "event: heartbeat"],
      ["id: 3", "event: heartbeat"],
    ]);
    expect(dataOf(frames[1] as string)).toEqual({
      event: "heartbeat",
      message: "alive",
      service: "sidecar-agent",
      status: "ready",
      lifecycle_state: "serving",
      ready: true,
      generated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const next = await watchFrames(target, 1);
    expect(Number(/^id: (\d+)/.exec(next[0] as string)?.[1])).toBeGreaterThan(3);
    await target.restart();
    expect((await watchFrames(target, 1))[0]).toMatch(/^id: 1\nevent: connected\n/);
  });

  it("the library's watch reads both modes: connected, then heartbeat events or comment activity", async () => {
    for (const [protocol, expected] of [
      ["legacy", ["connected"]],
      ["structured", ["connected", "heartbeat"]],
    ] as const) {
      const target = await agent({ protocol, heartbeatMs: 20 });
      const controller = new AbortController();
      const types: string[] = [];
      // Legacy heartbeats are comments: no event, only activity (bytes) that proves the stream alive.
      let activity = 0;
      let enough = () => {};
      const enoughActivity = new Promise<void>((resolve) => {
        enough = resolve;
      });
      const onActivity = () => {
        activity += 1;
        if (activity === 4) enough();
      };
      const reading = (async () => {
        for await (const event of openWatchStream(`${target.url}/watch`, {
          signal: controller.signal,
          onActivity,
        })) {
          types.push(event.type);
        }
      })().catch((error: unknown) => error);
      await enoughActivity;
      controller.abort();
      await reading;
      expect(types.slice(0, expected.length), protocol).toEqual(expected);
      if (protocol === "legacy") expect(types).toEqual(["connected"]);
    }
  });

  it("restart: streams end, registrations forgotten, same port, the call log kept", async () => {
    const target = await agent({ heartbeatMs: 1_000 });
    await post(target, "/register", valid);
    const port = target.port;
    const controller = new AbortController();
    const stream = openWatchStream(`${target.url}/watch`, { signal: controller.signal });
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.type).toBe("connected");
    const ended = iterator.next().then(
      () => new Error("the stream yielded instead of ending"),
      (error: unknown) => error,
    );
    await target.restart({ downMs: 10 });
    expect(await ended).toBeInstanceOf(ErrWatchStreamClosed);
    expect(target.port).toBe(port);
    expect(target.restarts).toBe(1);
    expect(target.services()).toEqual([]);
    expect(target.registrations).toHaveLength(1);
    expect(target.callsTo("/register")).toHaveLength(1);
    expect((await post(target, "/drain", { name: "auth", port: 9090 })).body).toEqual({
      error: "local service not found: auth:9090",
    });
  });
});

describe("dev agent: binding and options", () => {
  it("binds loopback only unless allowRemote", async () => {
    await expect(startDevAgent({ port: 0, host: "0.0.0.0" })).rejects.toThrow(
      /refusing to listen on 0\.0\.0\.0: the dev agent has no authentication/,
    );
    const remote = await agent({ host: "0.0.0.0", allowRemote: true });
    expect(remote.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    const local = await agent();
    expect(local.url).toBe(`http://127.0.0.1:${local.port}`);
  });

  it("refuses bad options with the value named", async () => {
    await expect(startDevAgent({ port: 70_000 })).rejects.toThrow(
      "port must be an integer in 0..65535, got 70000",
    );
    await expect(startDevAgent({ port: 0, protocol: "v2" as "legacy" })).rejects.toThrow(
      'protocol must be "legacy" or "structured", got "v2"',
    );
    await expect(startDevAgent({ port: 0, heartbeatMs: 0 })).rejects.toThrow(
      "heartbeatMs must be a positive number of ms, got 0",
    );
  });

  it("records every call with status and error text", async () => {
    const target = await agent();
    await post(target, "/register", { ...valid, weight: 0 });
    await fetch(`${target.url}/healthz?from=test`);
    expect(
      target.calls.map(({ method, path, query, status, error }) => ({ method, path, query, status, error })),
    ).toEqual([
      {
        method: "POST",
        path: "/register",
        query: "",
        status: 400,
        error: "weight must be greater than zero",
      },
      { method: "GET", path: "/healthz", query: "from=test", status: 200, error: undefined },
    ]);
    expect(target.calls[0]?.body).toMatchObject({ weight: 0 });
  });
});

/** A /watch stream read one SSE frame at a time, so a test can act between frames. */
async function openWatch(target: DevAgent) {
  const controller = new AbortController();
  const response = await fetch(`${target.url}/watch`, { signal: controller.signal });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  return {
    async next(): Promise<string> {
      while (!text.includes("\n\n")) {
        const { value, done } = await reader.read();
        if (done) throw new Error("the watch stream ended");
        text += decoder.decode(value, { stream: true });
      }
      const end = text.indexOf("\n\n");
      const frame = text.slice(0, end);
      text = text.slice(end + 2);
      return frame;
    },
    close: () => controller.abort(),
  };
}

describe("dev agent: readiness (protocol.md, Readiness)", () => {
  it("/readyz: 200 when ready, 503 not_ready when not, in the plain and the envelope shape", async () => {
    const ready = await agent();
    const answer = await fetch(`${ready.url}/readyz`);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ status: "ready", ready: true });
    const text = "agent not ready: it is starting (dev agent: ready is false); retry later";
    const plain = await agent({ ready: false });
    const refused = await fetch(`${plain.url}/readyz`);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({ error: text });
    const wrapped = await agent({ ready: false, envelope: true });
    const enveloped = await fetch(`${wrapped.url}/readyz`);
    expect(enveloped.status).toBe(503);
    expect(await enveloped.json()).toMatchObject({ success: false, code: "not_ready", message: text });
    expect((await fetch(`${plain.url}/healthz`)).status).toBe(200);
  });

  it("refuses /register with 503 not_ready while not ready, takes it after setReady(true)", async () => {
    const lines: string[] = [];
    const target = await agent({ ready: false, envelope: true, log: (line) => lines.push(line) });
    expect(target.ready).toBe(false);
    const refused = await post(target, "/register", valid);
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ success: false, code: "not_ready" });
    expect(target.services()).toEqual([]);
    expect(target.callsTo("/register")[0]).toMatchObject({ status: 503, body: valid });
    target.setReady(true);
    expect((await post(target, "/register", valid)).status).toBe(200);
    expect(lines).toEqual([
      "register refused: agent not ready: it is starting (dev agent: ready is false); retry later",
      "ready: /readyz answers 200, registers are taken",
      expect.stringMatching(/^register auth:9090 → Registered/),
    ]);
    // Not ready again: drain and deregister still work, only registers wait.
    target.setReady(false);
    expect((await fetch(`${target.url}/readyz`)).status).toBe(503);
    expect((await post(target, "/deregister", { name: "auth", port: 9090 })).status).toBe(200);
    expect(() => target.setReady("yes" as unknown as boolean)).toThrow("setReady takes a boolean, got yes");
  });

  it("the library's client sees the refusal with the agent's text (and would retry it)", async () => {
    const target = await agent({ ready: false });
    const client = new JSONHTTPClient(target.url, 2_000);
    try {
      const error = await client.register(authRequest()).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(SidecarAPIError);
      expect((error as Error).message).toContain("agent not ready: it is starting");
      target.setReady(true);
      await client.register(authRequest());
      expect(target.services()).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it("structured frames carry readiness; a change reaches open streams at once as a heartbeat", async () => {
    // Heartbeats a minute apart: a heartbeat frame within the test comes from the change.
    const target = await agent({ ready: false, heartbeatMs: 60_000 });
    const stream = await openWatch(target);
    try {
      expect(dataOf(await stream.next())).toMatchObject({
        event: "connected",
        status: "starting",
        lifecycle_state: "starting",
        ready: false,
      });
      target.setReady(true);
      const ready = await stream.next();
      expect(ready).toMatch(/^id: 2\nevent: heartbeat\n/);
      expect(dataOf(ready)).toMatchObject({
        event: "heartbeat",
        message: "ready",
        status: "ready",
        lifecycle_state: "serving",
        ready: true,
      });
      target.setReady(true); // no change, no frame
      target.setReady(false);
      expect(dataOf(await stream.next())).toMatchObject({
        event: "heartbeat",
        message: "not ready: starting",
        status: "starting",
        ready: false,
      });
    } finally {
      stream.close();
    }
  });

  it("legacy frames carry nothing about readiness, and a change sends them nothing", async () => {
    const target = await agent({ ready: false, protocol: "legacy", heartbeatMs: 60_000 });
    const stream = await openWatch(target);
    expect(await stream.next()).toBe("event: connected\ndata: ok");
    target.setReady(true);
    target.setReady(false);
    // The restart ends the stream: anything the changes had written would be read before the end.
    await target.restart();
    await expect(stream.next()).rejects.toThrow("the watch stream ended");
    expect(target.ready).toBe(false);
  });
});
