/**
 * The loopback agent of the bench, in a process of its own so that the client under measurement
 * does not share its event loop: test/support/agent.ts's TestAgent, driven over IPC by
 * bench/agent-link.ts. It stamps every register as it arrives (epoch ms, so a parent can compare
 * with its own spawn times) and sends a heartbeat every 5 s, as a real agent does, so long parts
 * never meet the liveness timeout.
 */
import { performance } from "node:perf_hooks";
import { TestAgent } from "../test/support/agent.ts";

export type AgentOp =
  | { op: "listen" }
  | { op: "restart"; downMs: number }
  | { op: "mark" }
  | { op: "registers"; count: number; timeoutMs: number }
  | { op: "connected" }
  | { op: "flood"; count: number }
  | { op: "close" };

export interface Register {
  port: number;
  at: number;
}

const now = () => performance.timeOrigin + performance.now();
export const heartbeatFrame = (id: number) =>
  `id: ${id}\nevent: heartbeat\ndata: {"event":"heartbeat","status":"ready","generated_at":"2026-04-21T08:00:00Z"}\n\n`;

const agent = new TestAgent();
const registers: Register[] = [];
let mark = 0;
agent.respond["/register"] = (body) => {
  registers.push({ port: Number(body.port), at: now() });
  return { status: 200, body: {} };
};
setInterval(() => agent.send(": heartbeat\n\n"), 5_000).unref();

/** The first register of each port since the mark, once `count` ports have one. */
async function registersSinceMark(count: number, timeoutMs: number): Promise<Register[]> {
  const firsts = () => {
    const seen = new Map<number, Register>();
    for (const register of registers.slice(mark))
      if (!seen.has(register.port)) seen.set(register.port, register);
    return [...seen.values()];
  };
  await agent.until(() => firsts().length >= count, `${count} registers`, timeoutMs);
  return firsts();
}

async function handle(message: AgentOp): Promise<unknown> {
  switch (message.op) {
    case "listen":
      await agent.listen();
      return { url: agent.url, at: now() };
    case "restart": {
      mark = registers.length;
      const downAt = now();
      await agent.close();
      await new Promise((resolve) => setTimeout(resolve, message.downMs));
      await agent.listen();
      return { downAt, upAt: now() };
    }
    case "mark":
      mark = registers.length;
      return { at: now() };
    case "registers":
      return registersSinceMark(message.count, message.timeoutMs);
    case "connected": {
      mark = registers.length;
      agent.send('event: connected\ndata: {"event":"connected","status":"ready"}\n\n');
      return { at: now() };
    }
    case "flood":
      await agent.flood(heartbeatFrame, message.count);
      return { at: now() };
    case "close":
      await agent.close();
      return {};
  }
}

process.on("message", (message: { id: number; body: AgentOp }) => {
  handle(message.body).then(
    (result) => {
      process.send?.({ id: message.id, result });
      if (message.body.op === "close") process.disconnect();
    },
    (error: Error) => process.send?.({ id: message.id, error: error.message }),
  );
});
