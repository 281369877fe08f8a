import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

it("`npm start` runs the whole demo to completion and exits 0, with no stack trace", async () => {
  const child = spawn("npm", ["start", "--silent"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));

  expect(code, output).toBe(0);
  const milestones = [
    /registers as greeter:\d+ with \/acme\.greeter\.v1\.Greeter\/SayGoodbye/,
    /idle → connecting/,
    // The server may start listening before or after the agent's `connected`: either order is fine.
    /→ connected {2}\(agent connected; registering\)/,
    /register greeter:\d+ → Registered/,
    /connected → registered/,
    /restarting the agent/,
    /registered → disconnected/,
    /connected → registered {2}\(registration replayed: register #2\)/,
    /sending SIGTERM to this process/,
    /registered → draining/,
    /drain greeter:\d+ → Draining \(grace 1s/,
    /draining → drained/,
    /drained → stoppingServer/,
    /server stopped/,
    /deregister greeter:\d+ → Deregistered/,
    /deregistering → deregistered/,
    /The agent's final view/,
    /held now: {6}nothing/,
    /deregistered: {2}greeter:\d+ {2}Deregistered/,
    /calls: {9}2 register, 1 drain, 1 deregister/,
    /Done in \d+\.\d s: idle → connecting → (awaitingServer → )?connected → registered → disconnected → .*connected → registered → draining → drained → stoppingServer → deregistering → deregistered/,
  ];
  let from = 0;
  for (const milestone of milestones) {
    const rest = output.slice(from);
    const match = milestone.exec(rest);
    expect(match, `${milestone} after offset ${from} in:\n${output}`).not.toBeNull();
    from += (match?.index ?? 0) + (match?.[0].length ?? 0);
  }
  expect(output).not.toMatch(/^\s+at /m);
});
