/** Clients of one agent origin share one undici Pool: destroying one fails only its own calls. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { JSONHTTPClient } from "../src/agent/http-client.ts";
import { authRequest } from "./support/fixtures.ts";
import { eventually } from "./support/lifecycle-harness.ts";

let server: Server;
let url: string;
const sockets = new Set<Socket>();
let connections = 0;
/** Registers the test holds: answered when it says so. */
const held: ServerResponse[] = [];
let hold = false;

function answer(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "application/json" }).end('{"success":true}');
}

beforeEach(async () => {
  connections = 0;
  hold = false;
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on("end", () => (hold && req.url === "/register" ? held.push(res) : answer(res)));
  });
  server.on("connection", (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  held.length = 0;
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("HttpClient: one pool per agent origin", () => {
  it("serves many clients' calls on a few shared keep-alive connections", async () => {
    const clients = Array.from({ length: 50 }, () => new JSONHTTPClient(url, 5_000));
    for (let round = 0; round < 3; round += 1) {
      await Promise.all(clients.map((client) => client.register(authRequest())));
    }
    // 150 calls on the pool's 24 connections at most; private pools would have opened one per client.
    expect(connections).toBeLessThanOrEqual(24);
    await Promise.all(clients.map((client) => client.close()));
    await eventually(() => sockets.size === 0, "the last client out to close the pool's connections");
  });

  it("destroy() fails the destroyed client's call in flight, not another client's", async () => {
    const mine = new JSONHTTPClient(url, 5_000);
    const other = new JSONHTTPClient(url, 5_000);
    hold = true;
    const mineCall = mine.register(authRequest());
    const otherCall = other.register(authRequest());
    await eventually(() => held.length === 2, "both calls at the agent");

    await mine.destroy();
    await expect(mineCall).rejects.toThrow("the client was destroyed");
    for (const res of held) if (!res.writableEnded && !res.destroyed) answer(res);
    await expect(otherCall).resolves.toEqual(undefined);
    await expect(mine.register(authRequest())).rejects.toThrow("the client was destroyed");
    await other.close();
  });

  it("close() lets its own pending call finish first", async () => {
    const client = new JSONHTTPClient(url, 5_000);
    hold = true;
    const call = client.register(authRequest());
    await eventually(() => held.length === 1, "the call at the agent");
    const closed = client.close();
    answer(held[0] as ServerResponse);
    await expect(call).resolves.toEqual(undefined);
    await closed;
    await expect(client.register(authRequest())).rejects.toThrow(
      "no answer from the agent: the client is closed",
    );
    await eventually(() => sockets.size === 0, "the pool's connection to close");
  });
});

describe("HttpClient: registers to one agent are paced", () => {
  it("an agent that leaves registers unanswered holds 16 of them; drains and deregisters still get through", async () => {
    const clients = Array.from({ length: 30 }, () => new JSONHTTPClient(url, 5_000));
    hold = true;
    const registers = clients.map((client) => client.register(authRequest()));
    await eventually(() => held.length === 16, "16 registers at the agent");
    const request = { name: "auth", port: 9090 };
    await expect((clients[0] as JSONHTTPClient).drain({ ...request, gracePeriod: "5s" })).resolves.toEqual(
      undefined,
    );
    await expect((clients[1] as JSONHTTPClient).deregister(request)).resolves.toEqual(undefined);
    expect(held).toHaveLength(16);
    // Each answer lets one waiting register go.
    hold = false;
    for (const res of held.splice(0)) answer(res);
    await expect(Promise.all(registers)).resolves.toHaveLength(30);
    await Promise.all(clients.map((client) => client.close()));
  });

  it("a register still waiting for its turn when its timeout runs out fails as unreachable, naming the timeout", async () => {
    const busy = Array.from({ length: 16 }, () => new JSONHTTPClient(url, 5_000));
    hold = true;
    const hanging = busy.map((client) => client.register(authRequest()));
    await eventually(() => held.length === 16, "16 registers at the agent");
    const late = new JSONHTTPClient(url, 100);
    await expect(late.register(authRequest())).rejects.toThrow(
      `register ${url}/register: no answer from the agent: timed out after 100 ms`,
    );
    expect(held).toHaveLength(16);
    for (const res of held.splice(0)) answer(res);
    await Promise.all(hanging);
    await Promise.all([...busy, late].map((client) => client.close()));
  });
});
