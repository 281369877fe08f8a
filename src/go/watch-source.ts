/**
 * Event sources (Go `EventSource`, `WatchSource`): connection events as an AsyncIterable. The
 * chart's own reconnect and liveness logic consume any of them through `eventSourceStream`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { failureOf } from "../../machines/errors.ts";
import type { ConnectionEvent } from "../../machines/types.ts";
import type { OpenStream } from "../actors.ts";
import { openWatchStream } from "../agent/watch-stream.ts";
import { DefaultMaxFrameSize, DefaultReconnectInterval } from "../defaults.ts";
import { ErrWatchStreamClosed, ErrWatchURLRequired } from "../errors.ts";

/**
 * A source of connection events (Go `EventSource`). `onActivity`, when the source supports it,
 * is called for every sign of life that carries no event (e.g. an SSE comment heartbeat).
 */
export interface EventSource {
  subscribe(signal: AbortSignal, onActivity?: () => void): AsyncIterable<ConnectionEvent>;
}

/** A `disconnected` event carrying the failure, as the Go WatchSource emits it. */
export function disconnectedEvent(err: Error): ConnectionEvent {
  return {
    type: "disconnected",
    connected: false,
    eventId: "",
    message: err.message,
    service: "",
    status: "",
    lifecycleState: "",
    err,
  };
}

export interface WatchSourceOptions {
  maxFrameSize?: number;
}

/**
 * The agent's `/watch` as an endless event stream (Go `WatchSource`): every failed or ended
 * attempt becomes a `disconnected` event with its error, then it reconnects after a fixed
 * `reconnectInterval`, as the Go client does. Ends only when the signal aborts.
 */
export class WatchSource implements EventSource {
  readonly watchURL: string;
  readonly reconnectInterval: number;
  readonly #maxFrameSize: number;

  constructor(
    watchURL: string,
    reconnectInterval: number = DefaultReconnectInterval,
    options: WatchSourceOptions = {},
  ) {
    if (typeof watchURL !== "string" || watchURL.trim() === "") throw new ErrWatchURLRequired();
    if (!(Number.isFinite(reconnectInterval) && reconnectInterval > 0)) {
      throw new RangeError(`reconnectInterval must be a positive number of ms, got ${reconnectInterval}`);
    }
    this.watchURL = watchURL.trim();
    this.reconnectInterval = reconnectInterval;
    this.#maxFrameSize = options.maxFrameSize ?? DefaultMaxFrameSize;
  }

  async *subscribe(signal: AbortSignal, onActivity?: () => void): AsyncGenerator<ConnectionEvent> {
    const options = { signal, onActivity, maxFrameSize: this.#maxFrameSize };
    while (!signal.aborted) {
      try {
        yield* openWatchStream(this.watchURL, options);
      } catch (error) {
        if (signal.aborted) return;
        yield disconnectedEvent(failureOf(error));
      }
      try {
        await sleep(this.reconnectInterval, undefined, { signal });
      } catch {
        return;
      }
    }
  }
}

export function newWatchSource(watchURL: string, reconnectInterval?: number): WatchSource {
  return new WatchSource(watchURL, reconnectInterval);
}

/**
 * One watch attempt of the chart over any EventSource: events pass through (each one is
 * activity), and the first `disconnected` event ends the attempt with its error, so the chart
 * records it and reconnects with its own backoff (the source's own reconnect loop is cut off).
 */
export function eventSourceStream(source: EventSource): OpenStream {
  return async function* (signal, onActivity) {
    for await (const event of source.subscribe(signal, onActivity)) {
      onActivity();
      if (event.type === "disconnected") throw event.err ?? new ErrWatchStreamClosed();
      yield event;
    }
    throw new ErrWatchStreamClosed();
  };
}
