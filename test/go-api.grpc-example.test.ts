/**
 * examples/grpc-service.ts as a real child process against a real loopback agent: it registers
 * its proto's exact method paths, serves gRPC, and on SIGTERM drains, stops the gRPC server,
 * then deregisters, in that order, exiting 0. A second SIGTERM forces exit code 1.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { credentials, type ServiceClientConstructor } from "@grpc/grpc-js";
import { afterEach, beforeEach, expect, it } from "vitest";
import { loadGreeterServices } from "../examples/greeter-proto.ts";
import { TestAgent } from "./support/agent.ts";
import { freePort } from "./support/go-api.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
let agent: TestAgent;
let port: number;
let child: ChildProcess | undefined;
let output = "";

beforeEach(async () => {
  agent = await TestAgent.start();
  port = await freePort();
  output = "";
});
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await agent.close();
});

function startExample(): { exited: Promise<number | null> } {
  const spawned = spawn(
    process.execPath,
    ["--import", "tsx", "examples/grpc-service.ts", "--agent", agent.url, "--port", String(port)],
    { cwd: root, env: { ...process.env, GRACE_PERIOD: "300ms" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  spawned.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  spawned.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child = spawned;
  return { exited: new Promise((resolve) => spawned.once("exit", (code) => resolve(code))) };
}

function accepts(target: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port: target, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function sayHello(Greeter: ServiceClientConstructor, name: string): Promise<string> {
  const client = new Greeter(`127.0.0.1:${port}`, credentials.createInsecure());
  const call = client.SayHello as (
    request: { name: string },
    callback: (error: Error | null, reply: { message: string }) => void,
  ) => void;
  try {
    return await new Promise((resolve, reject) =>
      call.call(client, { name }, (error, reply) => (error ? reject(error) : resolve(reply.message))),
    );
  } finally {
    client.close();
  }
}

it("registers the proto's exact methods; SIGTERM drains, stops the server, deregisters, exits 0", async () => {
  // The gRPC port, probed the moment each call arrives: up at drain, closed by deregister.
  const probes: Array<Promise<string>> = [];
  agent.respond["/drain"] = () => {
    probes.push(accepts(port).then((up) => `drain: serving=${up}`));
    return { status: 200, body: {} };
  };
  agent.respond["/deregister"] = () => {
    probes.push(accepts(port).then((up) => `deregister: serving=${up}`));
    return { status: 200, body: {} };
  };
  const { exited } = startExample();
  await agent.until(() => agent.callsTo("/register").length === 1, "the example's register", 15_000);
  expect(agent.callsTo("/register")[0]?.body).toMatchObject({
    name: "greeter",
    port,
    protocol: "grpc",
    methods: [
      "/acme.greeter.v1.Greeter/SayGoodbye",
      "/acme.greeter.v1.Greeter/SayHello",
      "/acme.greeter.v1.Health/Check",
    ],
  });
  const { Greeter } = loadGreeterServices();
  expect(await sayHello(Greeter, "agent")).toBe("hello, agent");

  child?.kill("SIGTERM");
  expect(await exited).toBe(0);
  expect(await Promise.all(probes)).toEqual(["drain: serving=true", "deregister: serving=false"]);
  expect(agent.calls.map((call) => call.path)).toEqual(["/register", "/drain", "/deregister"]);
  expect(await accepts(port)).toBe(false);
  const lines = output.split("\n");
  const at = (text: string) => lines.findIndex((line) => line.includes(text));
  const expected = [
    "exit requested: SIGTERM",
    "lifecycle: draining",
    "lifecycle: drained",
    "server stopped",
    "lifecycle: deregistering",
    "lifecycle: deregistered",
    "exited cleanly",
  ];
  expect(expected.filter((text) => at(text) < 0)).toEqual([]);
  const steps = expected.map(at);
  expect([...steps].sort((a, b) => a - b)).toEqual(steps);
});

it("a second SIGTERM during the graceful exit forces exit code 1, after one quick deregister", async () => {
  agent.respond["/drain"] = () => "hang";
  const { exited } = startExample();
  await agent.until(() => agent.callsTo("/register").length === 1, "the example's register", 15_000);
  child?.kill("SIGTERM");
  await agent.until(() => agent.callsTo("/drain").length === 1, "the drain");
  child?.kill("SIGTERM");
  expect(await exited).toBe(1);
  expect(output).toContain("SIGTERM again during the graceful exit: forcing exit with code 1");
  // The drain still hangs, but the agent is not left holding a dead instance.
  expect(agent.callsTo("/deregister").map((call) => call.body)).toEqual([
    { name: "greeter", port: expect.any(Number) },
  ]);
});
