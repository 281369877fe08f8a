/**
 * The dev agent's `/watch` streams, in either frame style of protocol.md:
 * - legacy: `event: connected` / `data: ok`, then a `: heartbeat` comment every interval;
 * - structured: frames with increasing ids (per agent run) and the JSON payload, which carries
 *   the agent's readiness (`status` ready/starting, `ready`, `lifecycle_state`); a change of
 *   readiness is sent at once to every open stream as a heartbeat. Legacy frames carry none.
 */
import type { ServerResponse } from "node:http";

export type WatchProtocol = "legacy" | "structured";

/** A stream whose client stopped reading is cut off once this much is queued, not buffered forever. */
const MAX_QUEUED_BYTES = 64 * 1024;

export interface WatchHubOptions {
  protocol: WatchProtocol;
  heartbeatMs: number;
  ready: boolean;
}

export class WatchHub {
  readonly #options: WatchHubOptions;
  readonly #streams = new Map<ServerResponse, NodeJS.Timeout>();
  #lastId = 0;
  #ready: boolean;

  constructor(options: WatchHubOptions) {
    this.#options = options;
    this.#ready = options.ready;
  }

  /** A readiness change: structured streams hear of it now, in a heartbeat frame. */
  setReady(ready: boolean): void {
    if (ready === this.#ready) return;
    this.#ready = ready;
    if (this.#options.protocol === "legacy") return;
    for (const stream of this.#streams.keys()) {
      this.#write(stream, this.#frame("heartbeat", ready ? "ready" : "not ready: starting"));
    }
  }

  get openStreams(): number {
    return this.#streams.size;
  }

  /** Answers a `/watch` request: headers, the `connected` frame, then heartbeats until it closes. */
  open(res: ServerResponse, onClose: () => void): void {
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    res.flushHeaders();
    const timer = setInterval(
      () => this.#write(res, this.#frame("heartbeat", "alive")),
      this.#options.heartbeatMs,
    );
    this.#streams.set(res, timer);
    res.on("close", () => {
      clearInterval(timer);
      this.#streams.delete(res);
      onClose();
    });
    this.#write(res, this.#frame("connected", "ok"));
  }

  /** Ends every stream (EOF) and starts event ids again, as a restarted agent does. */
  reset(): void {
    for (const [stream, timer] of this.#streams) {
      clearInterval(timer);
      stream.end();
    }
    this.#streams.clear();
    this.#lastId = 0;
  }

  #frame(event: "connected" | "heartbeat", message: string): string {
    if (this.#options.protocol === "legacy") {
      return event === "connected" ? "event: connected\ndata: ok\n\n" : ": heartbeat\n\n";
    }
    this.#lastId += 1;
    const payload = {
      event,
      message: event === "connected" ? "sidecar dev agent connected" : message,
      service: "sidecar-agent",
      status: this.#ready ? "ready" : "starting",
      lifecycle_state: this.#ready ? "serving" : "starting",
      ready: this.#ready,
      generated_at: new Date().toISOString(),
    };
    return `id: ${this.#lastId}\nevent: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
  }

  #write(res: ServerResponse, frame: string): void {
    if (res.writableLength > MAX_QUEUED_BYTES) {
      res.destroy();
      return;
    }
    res.write(frame);
  }
}
