/** The bench's side of bench/agent-host.ts: starts the agent process and calls it over IPC. */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { AgentOp, Register } from "./agent-host.ts";

export interface AgentLink {
  readonly url: string;
  /** Marks, then restarts the agent, down for `downMs`: when it went down and listened again (epoch ms). */
  restart(downMs: number): Promise<{ downAt: number; upAt: number }>;
  /** Counts registers from now on. */
  mark(): Promise<number>;
  /** The first register of each of `count` ports since the mark (waits for them). */
  registers(count: number, timeoutMs?: number): Promise<Register[]>;
  /** Writes a `connected` frame to every stream (and marks); resolves with when (epoch ms). */
  connected(): Promise<number>;
  /** Writes `count` heartbeat frames to every stream, 100 a write, honouring backpressure. */
  flood(count: number): Promise<number>;
  close(): Promise<void>;
}

export async function startAgent(): Promise<AgentLink> {
  const host = fileURLToPath(new URL("./agent-host.ts", import.meta.url));
  const child: ChildProcess = fork(host, [], { execArgv: ["--import", "tsx"], stdio: "inherit" });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let next = 0;
  child.on("message", (message: { id: number; result?: unknown; error?: string }) => {
    const call = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) call?.reject(new Error(`bench agent: ${message.error}`));
    else call?.resolve(message.result);
  });
  child.on("exit", (code) => {
    for (const call of pending.values()) call.reject(new Error(`bench agent exited (code ${code})`));
  });
  const call = <T>(body: AgentOp): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      next += 1;
      pending.set(next, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ id: next, body });
    });
  const { url } = await call<{ url: string }>({ op: "listen" });
  return {
    url,
    restart: (downMs) => call<{ downAt: number; upAt: number }>({ op: "restart", downMs }),
    mark: async () => (await call<{ at: number }>({ op: "mark" })).at,
    registers: (count, timeoutMs = 30_000) => call<Register[]>({ op: "registers", count, timeoutMs }),
    connected: async () => (await call<{ at: number }>({ op: "connected" })).at,
    flood: async (count) => (await call<{ at: number }>({ op: "flood", count })).at,
    close: async () => {
      await call({ op: "close" });
    },
  };
}
