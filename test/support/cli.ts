/**
 * Runs the `sidecar-lifecycle` CLI as a real process (through tsx), with its output captured,
 * and starts dev agents for it. Both are tied to the running test: whatever is still up when it
 * finishes is stopped then, so the suites need no cleanup lists of their own.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { onTestFinished } from "vitest";
import { type DevAgent, type DevAgentOptions, startDevAgent } from "../../src/dev-agent/server.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface CliRun {
  readonly process: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves with the exit code (128 + n when a signal ended it). */
  readonly exited: Promise<number>;
  /** Resolves once stderr or stdout matches, failing after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/** A dev agent on a free loopback port, closed when the test finishes. */
export async function startTestDevAgent(options: DevAgentOptions = {}): Promise<DevAgent> {
  const agent = await startDevAgent({ port: 0, ...options });
  onTestFinished(() => agent.close());
  return agent;
}

/** Starts the CLI with `args`; if it is still running when the test finishes, it is killed then. */
export function runCli(args: string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of [...listeners]) listener();
  };
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
    changed();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
    changed();
  });
  const exited = new Promise<number>((resolve) => {
    child.once("close", (code, signal) => resolve(code ?? 128 + (signal === "SIGKILL" ? 9 : 15)));
  });
  onTestFinished(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGKILL");
    await exited;
  });
  return {
    process: child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForOutput(pattern, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(stdout) && !pattern.test(stderr)) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(`CLI output never matched ${pattern} within ${timeoutMs} ms:\n${stdout}\n${stderr}`),
          );
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
  };
}
