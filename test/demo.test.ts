import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadGreeterServices } from "../examples/greeter-proto.ts";
import { greeterManifestPath } from "../src/demo/greeter-v2.ts";
import { grpcMethodPaths } from "../src/go/grpc.ts";
import { loadGatewayManifest } from "../src/v2/manifest.ts";
import { methodPaths } from "../src/v2/routes.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** `npm start` with `args`: its exit code and everything it printed. */
async function runDemo(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn("npm", ["start", "--silent", ...(args.length ? ["--", ...args] : [])], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  return { code, output };
}

/** Each milestone must match, in this order. */
function expectInOrder(output: string, milestones: RegExp[]): void {
  let from = 0;
  for (const milestone of milestones) {
    const match = milestone.exec(output.slice(from));
    expect(match, `${milestone} after offset ${from} in:\n${output}`).not.toBeNull();
    from += (match?.index ?? 0) + (match?.[0].length ?? 0);
  }
}

/** The same story on both contracts, from the first transition to the path summary. */
const STORY_START = [
  /idle → connecting/,
  // The server may start listening before or after the agent's `connected`: either order is fine.
  /→ connected {2}\(agent connected; registering\)/,
];
const REPLAY_AND_EXIT = [
  /connected → registered/,
  /restarting the agent/,
  /registered → disconnected/,
  /connected → registered {2}\(registration replayed: register #2\)/,
  /sending SIGTERM to this process/,
  /registered → draining/,
];
const STORY_END = [/draining → drained/, /drained → stoppingServer/, /server stopped/];
const FINAL = [/deregistering → deregistered/, /The agent's final view/, /held now: {6}nothing/];
const DONE = [
  /calls: {9}2 register, 1 drain, 1 deregister/,
  /Done in \d+\.\d s: idle → connecting → (awaitingServer → )?connected → registered → disconnected → .*connected → registered → draining → drained → stoppingServer → deregistering → deregistered/,
];
const V2_INSTANCE = "10001/[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}";

describe("`npm start`", () => {
  it("runs the whole demo on contract v1 (the default) and exits 0, with no stack trace", async () => {
    const { code, output } = await runDemo([]);
    expect(code, output).toBe(0);
    expectInOrder(output, [
      /registers as greeter:\d+ \(contract v1\) with \/acme\.greeter\.v1\.Greeter\/SayGoodbye/,
      ...STORY_START,
      /register greeter:\d+ → Registered/,
      ...REPLAY_AND_EXIT,
      /drain greeter:\d+ → Draining \(grace 1s/,
      ...STORY_END,
      /deregister greeter:\d+ → Deregistered/,
      ...FINAL,
      /deregistered: {2}greeter:\d+ {2}Deregistered/,
      ...DONE,
    ]);
    expect(output).not.toMatch(/^\s+at /m);
  });

  it("`-- --contract v2` runs the same demo on contract v2: the greeter's ServiceNode from its manifest, drained and deregistered by instance", async () => {
    const { code, output } = await runDemo(["--contract", "v2"]);
    expect(code, output).toBe(0);
    // A UUID and a slash: nothing a RegExp reads specially, so it goes into the milestones as it is.
    const instance = new RegExp(V2_INSTANCE).exec(output)?.[0] ?? "<no v2 instance in the output>";
    expectInOrder(output, [
      /demo: a service bound to an embedded dev agent \(contract v2\)/,
      new RegExp(
        `registers as greeter instance ${instance} \\(server_port \\d+, contract v2\\) with /acme\\.greeter\\.v1\\.Greeter/SayGoodbye, /acme\\.greeter\\.v1\\.Greeter/SayHello, /acme\\.greeter\\.v1\\.Health/Check; http routes: POST /v1/greeter/hello → /acme\\.greeter\\.v1\\.Greeter/SayHello`,
      ),
      ...STORY_START,
      new RegExp(`register v2 ${instance} \\(greeter, server_port \\d+\\) → Registered`),
      ...REPLAY_AND_EXIT,
      new RegExp(`drain v2 ${instance} → Draining \\(grace 1s`),
      ...STORY_END,
      new RegExp(`deregister v2 ${instance} → Deregistered`),
      ...FINAL,
      new RegExp(`deregistered: {2}greeter ${instance} {2}Deregistered · server_port \\d+`),
      ...DONE,
    ]);
    expect(output).not.toMatch(/^\s+at /m);
  });

  it("refuses a contract it does not know, with exit 2", async () => {
    const { code, output } = await runDemo(["--contract", "v3"]);
    expect(code).toBe(2);
    expect(output).toContain('demo: --contract must be v1 or v2, got "v3"');
  });
});

it("the v2 greeter's gateway manifest declares exactly the methods of examples/proto/greeter.proto", async () => {
  const { Greeter, Health } = loadGreeterServices();
  const manifest = await loadGatewayManifest(greeterManifestPath);
  expect(methodPaths(manifest)).toEqual(grpcMethodPaths([Greeter, Health]));
  expect(manifest.services.map((service) => service.name)).toEqual([
    "acme.greeter.v1.Greeter",
    "acme.greeter.v1.Health",
  ]);
});
