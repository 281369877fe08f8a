/**
 * The wrapped command as a child process. It runs in its own process group, so a Ctrl-C in the
 * terminal reaches only `run` (which drains first) and the signal is forwarded when its turn
 * comes; signals go to the whole group, so `sh -c` wrappers and their children get them too.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { constants } from "node:os";

export interface ChildExit {
  /** The exit code `run` passes on: the child's code, 128 + signal number, or 127 not found. */
  code: number;
  /** e.g. `exited with code 3`, `killed by SIGKILL`, `not found`. */
  description: string;
}

export class Child {
  readonly command: string;
  readonly exited: Promise<ChildExit>;
  #exit: ChildExit | undefined;
  readonly #process: ChildProcess;

  constructor(command: string, args: string[]) {
    this.command = command;
    this.#process = spawn(command, args, { stdio: "inherit", detached: true });
    this.exited = new Promise((resolve) => {
      const done = (exit: ChildExit) => {
        this.#exit ??= exit;
        resolve(this.#exit);
      };
      // `on`, not `once`: every failed kill() emits one too, and an unheard "error" would crash `run`.
      this.#process.on("error", (error: NodeJS.ErrnoException) => {
        if (this.#process.pid !== undefined) return; // a failed kill(), not a failed start
        done(
          error.code === "ENOENT"
            ? { code: 127, description: "not found" }
            : { code: 126, description: `could not start: ${error.message}` },
        );
      });
      this.#process.once("exit", (code, signal) => {
        if (signal) {
          done({ code: 128 + (constants.signals[signal] ?? 0), description: `killed by ${signal}` });
        } else {
          done({ code: code ?? 0, description: `exited with code ${code ?? 0}` });
        }
      });
    });
    // If `run` itself dies, do not leave the group behind.
    process.once("exit", () => this.signal("SIGKILL"));
  }

  get pid(): number | undefined {
    return this.#process.pid;
  }

  get hasExited(): boolean {
    return this.#exit !== undefined;
  }

  /** Sends `signal` to the child's process group; no-op once it exited. */
  signal(signal: NodeJS.Signals): void {
    const pid = this.#process.pid;
    if (this.hasExited || pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      this.#process.kill(signal);
    }
  }

  /** True once exited (within `ms`, when given); false when the time ran out or `abort` fired first. */
  async waitExit(ms: number | undefined, abort?: AbortSignal): Promise<boolean> {
    if (this.hasExited) return true;
    let timer: NodeJS.Timeout | undefined;
    let onAbort = () => {};
    const outcome = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((resolve) => {
        if (ms !== undefined) timer = setTimeout(() => resolve(false), Math.max(0, ms));
        onAbort = () => resolve(false);
        abort?.addEventListener("abort", onAbort, { once: true });
      }),
    ]);
    clearTimeout(timer);
    abort?.removeEventListener("abort", onAbort);
    return outcome;
  }
}
