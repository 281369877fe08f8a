/**
 * The dev agent refuses what a web page on the same host can send (issue 10, defect 8): a foreign
 * Host (DNS rebinding), any Origin (a cross-site request), an admin POST that is not
 * application/json (no preflight needed for text/plain); and its call log stays bounded however
 * many bodies it is sent. Requests go through node:http so Host, Origin and Content-Type can be forged.
 */
import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { CALL_LOG_LIMITS, type DevAgentCall } from "../src/dev-agent/call-log.ts";
import { type DevAgent, REGISTRATIONS_LIMIT } from "../src/dev-agent/server.ts";
import { startTestDevAgent } from "./support/cli.ts";
import { authWireBody } from "./support/fixtures.ts";

interface Sent {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Connect here instead of the agent's own host (an agent bound to a wildcard address). */
  connectTo?: string;
}

/** One request with exactly these headers; `host` defaults to the agent's own authority. */
function send(agent: DevAgent, sent: Sent): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers = { host: `127.0.0.1:${agent.port}`, ...sent.headers };
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: sent.connectTo ?? agent.host,
        port: agent.port,
        method: sent.method ?? "GET",
        path: sent.path,
        headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) }),
        );
      },
    );
    req.on("error", reject);
    req.end(sent.body);
  });
}

const json = { "content-type": "application/json" };

function postJSON(agent: DevAgent, path: string, body: unknown, headers: Record<string, string> = {}) {
  return send(agent, { method: "POST", path, headers: { ...json, ...headers }, body: JSON.stringify(body) });
}

async function registered(): Promise<DevAgent> {
  const agent = await startTestDevAgent();
  expect((await postJSON(agent, "/register", authWireBody)).status).toBe(200);
  return agent;
}

describe("dev agent guards: only loopback Host names", () => {
  it("refuses a foreign Host with 403 on every path, and the deregister does not happen", async () => {
    const agent = await registered();
    const evil = { host: `evil.example:${agent.port}` };
    const deregister = await postJSON(agent, "/deregister", { name: "auth", port: 9090 }, evil);
    expect(deregister.status).toBe(403);
    expect(deregister.body.error).toBe(
      `host not allowed: evil.example:${agent.port}: the dev agent answers only under a loopback name ` +
        `(127.0.0.1, localhost, [::1]) at port ${agent.port}; a web page's name is refused (DNS rebinding)`,
    );
    expect(agent.services().map((service) => service.state)).toEqual(["Registered"]);
    for (const path of ["/debug/services", "/healthz", "/watch", "/nope"]) {
      expect((await send(agent, { path, headers: { host: "evil.example" } })).status, path).toBe(403);
    }
  });

  it("answers under 127.0.0.1, localhost and [::1] at its port only", async () => {
    const agent = await startTestDevAgent();
    const status = async (host: string) =>
      (await send(agent, { path: "/healthz", headers: { host } })).status;
    for (const host of [`127.0.0.1:${agent.port}`, `localhost:${agent.port}`, `LocalHost:${agent.port}`]) {
      expect(await status(host), host).toBe(200);
    }
    expect(await status(`[::1]:${agent.port}`)).toBe(200);
    for (const host of [
      `127.0.0.1:${agent.port + 1}`,
      "localhost",
      `localhost.evil.example:${agent.port}`,
      `127.0.0.1.nip.io:${agent.port}`,
      `192.0.2.7:${agent.port}`,
    ]) {
      expect(await status(host), JSON.stringify(host)).toBe(403);
    }
  });

  it("also answers under the address it is bound to (127.0.0.2 here)", async () => {
    const agent = await startTestDevAgent({ host: "127.0.0.2" });
    const own = await send(agent, { path: "/healthz", headers: { host: `127.0.0.2:${agent.port}` } });
    expect(own.status).toBe(200);
    const refused = await send(agent, { path: "/healthz", headers: { host: `evil.example:${agent.port}` } });
    expect(refused.body.error).toContain("(127.0.0.1, localhost, [::1], 127.0.0.2) at port");
  });

  it("bound to 0.0.0.0 with allowRemote: any IP literal is a Host it answers, a name still is not", async () => {
    const agent = await startTestDevAgent({ host: "0.0.0.0", allowRemote: true });
    const at = (host: string) =>
      send(agent, { path: "/healthz", connectTo: "127.0.0.1", headers: { host: `${host}:${agent.port}` } });
    expect((await at("192.0.2.7")).status).toBe(200);
    expect((await at("[2001:db8::1]")).status).toBe(200);
    expect((await at("127.0.0.1")).status).toBe(200);
    const named = await at("evil.example");
    expect(named.status).toBe(403);
    expect(named.body.error).toContain("(127.0.0.1, localhost, [::1], 0.0.0.0 or any IP address)");
  });
});

describe("dev agent guards: requests with Origin, and admin bodies that are not JSON", () => {
  it("refuses any Origin with 403, even under a loopback Host, on POST and GET", async () => {
    const agent = await registered();
    for (const origin of ["https://evil.example", `http://127.0.0.1:${agent.port}`, "null"]) {
      const answer = await postJSON(agent, "/deregister", { name: "auth", port: 9090 }, { origin });
      expect(answer).toEqual({
        status: 403,
        body: {
          error:
            `request from a web page refused (Origin: ${origin}): the dev agent has no authentication, ` +
            "so only programs may call it; send the request without an Origin header",
        },
      });
    }
    for (const path of ["/debug/services", "/watch", "/healthz"]) {
      expect((await send(agent, { path, headers: { origin: "https://evil.example" } })).status, path).toBe(
        403,
      );
    }
    expect(agent.services().map((service) => service.state)).toEqual(["Registered"]);
  });

  it("refuses an admin POST that is not application/json with 415, naming the type it got", async () => {
    const agent = await registered();
    const body = JSON.stringify({ name: "auth", port: 9090 });
    for (const type of ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded"]) {
      const answer = await send(agent, {
        method: "POST",
        path: "/deregister",
        headers: { "content-type": type },
        body,
      });
      expect(answer).toEqual({
        status: 415,
        body: {
          error: `content type not allowed: ${type}: admin calls must be sent with Content-Type: application/json`,
        },
      });
    }
    const untyped = await send(agent, { method: "POST", path: "/drain", body });
    expect(untyped.body.error).toBe(
      "content type not allowed: (none): admin calls must be sent with Content-Type: application/json",
    );
    expect(agent.services().map((service) => service.state)).toEqual(["Registered"]);
    const typed = await send(agent, {
      method: "POST",
      path: "/deregister",
      headers: { "content-type": "Application/JSON; charset=utf-8" },
      body,
    });
    expect(typed.status).toBe(200);
  });

  it("records each refusal in the call log and the agent's log, with the envelope's codes", async () => {
    const lines: string[] = [];
    const agent = await startTestDevAgent({ envelope: true, log: (line) => lines.push(line) });
    const forbidden = await send(agent, { path: "/debug/services", headers: { host: "evil.example" } });
    expect(forbidden.body).toMatchObject({ success: false, code: "FORBIDDEN", data: null });
    const unsupported = await send(agent, {
      method: "POST",
      path: "/register",
      headers: { "content-type": "text/plain" },
      body: "{}",
    });
    expect(unsupported.body).toMatchObject({ success: false, code: "UNSUPPORTED_MEDIA_TYPE" });
    expect(agent.calls.map(({ method, path, status }) => `${method} ${path} ${status}`)).toEqual([
      "GET /debug/services 403",
      "POST /register 415",
    ]);
    expect(agent.calls[0]?.error).toMatch(/^host not allowed: evil\.example: /);
    expect(lines).toEqual([
      expect.stringMatching(/^GET \/debug\/services refused: host not allowed: evil\.example: /),
      expect.stringMatching(/^POST \/register refused: content type not allowed: text\/plain: /),
    ]);
  });
});

/** Bytes of body text the call log holds, kept verbatim or as a summary. */
function retainedBodyBytes(calls: readonly DevAgentCall[]): number {
  return calls.reduce(
    (sum, call) =>
      sum +
      (call.body === undefined ? 0 : Buffer.byteLength(JSON.stringify(call.body))) +
      (call.bodySummary?.length ?? 0),
    0,
  );
}

describe("dev agent: bounded memory", () => {
  it("400 refused 1 MB bodies: each call is kept, each body only as a short summary", async () => {
    const agent = await startTestDevAgent();
    const big = JSON.stringify({ ...authWireBody, methods: [], dns: "x".repeat(1_000_000) });
    for (let i = 0; i < 400; i++) {
      const type = i % 2 === 0 ? "application/json" : "text/plain";
      const answer = await send(agent, {
        method: "POST",
        path: "/register",
        headers: { "content-type": type },
        body: big,
      });
      expect(answer.status).toBe(i % 2 === 0 ? 400 : 415);
    }
    expect(agent.calls).toHaveLength(400);
    expect(agent.services()).toEqual([]);
    const read = agent.calls.filter((call) => call.status === 400);
    expect(read).toHaveLength(200);
    for (const call of read) {
      expect(call.body).toBeUndefined();
      expect(call.bodyBytes).toBe(Buffer.byteLength(big));
      expect(call.bodySummary).toMatch(
        /^\{"app_id":"10001".{0,110}… \(1000\d{3} bytes; not kept: over the 64 KiB a call keeps\)$/,
      );
    }
    expect(retainedBodyBytes(agent.calls)).toBeLessThan(200 * 300);
  });

  it("keeps the last 1000 calls, and at most 4 MiB of bodies verbatim (older ones become summaries)", async () => {
    const agent = await startTestDevAgent();
    for (let i = 0; i < CALL_LOG_LIMITS.calls + 100; i++) await send(agent, { path: `/healthz?n=${i}` });
    expect(agent.calls).toHaveLength(CALL_LOG_LIMITS.calls);
    expect(agent.calls[0]?.query).toBe("n=100");

    // 60 KiB bodies, under the per-call limit: 100 of them are 6 MiB, more than the log keeps.
    const body = JSON.stringify({ name: "auth", port: 9090, padding: "p".repeat(60 * 1024) });
    for (let i = 0; i < 100; i++) {
      await send(agent, { method: "POST", path: "/deregister", headers: json, body });
    }
    const deregisters = agent.callsTo("/deregister");
    expect(retainedBodyBytes(deregisters)).toBeLessThanOrEqual(CALL_LOG_LIMITS.bodyBytes + 100 * 300);
    const kept = deregisters.filter((call) => call.body !== undefined);
    expect(kept.length).toBe(Math.floor(CALL_LOG_LIMITS.bodyBytes / Buffer.byteLength(body)));
    expect(deregisters.at(-1)?.body).toMatchObject({ name: "auth", port: 9090 });
    expect(deregisters[0]?.body).toBeUndefined();
    expect(deregisters[0]?.bodySummary).toMatch(/not kept: the log keeps 4 MiB of bodies\)$/);
  });

  it(`keeps the last ${REGISTRATIONS_LIMIT} accepted registrations`, async () => {
    const agent = await startTestDevAgent();
    for (let port = 1; port <= REGISTRATIONS_LIMIT + 50; port++) {
      expect((await postJSON(agent, "/register", { ...authWireBody, port })).status).toBe(200);
    }
    expect(agent.registrations).toHaveLength(REGISTRATIONS_LIMIT);
    expect(agent.registrations[0]?.port).toBe(51);
    expect(agent.registrations.at(-1)?.port).toBe(REGISTRATIONS_LIMIT + 50);
  });
});
