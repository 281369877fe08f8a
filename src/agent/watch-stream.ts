/**
 * One attempt at the agent's `/watch` stream, over undici, parsed by eventsource-parser behind
 * WatchLines (complete lines only, maxFrameSize on the bytes). Yields ConnectionEvents until the
 * stream breaks; it never ends quietly: EOF throws ErrWatchStreamClosed, so every way out is an
 * error the chart can classify.
 */
import { createParser } from "eventsource-parser";
import { Client, type Dispatcher, request } from "undici";
import { errorMessageOf } from "../../machines/errors.ts";
import type { ConnectionEvent } from "../../machines/types.ts";
import { DefaultMaxFrameSize } from "../defaults.ts";
import {
  AgentUnreachableError,
  ErrWatchStreamClosed,
  WatchContentTypeError,
  WatchHTTPStatusError,
} from "../errors.ts";
import { toConnectionEvent } from "./watch-frames.ts";
import { WatchLines } from "./watch-lines.ts";

export interface WatchStreamOptions {
  signal: AbortSignal;
  /** Called for every chunk of bytes, comments included: proof the agent is alive. */
  onActivity?: () => void;
  /** Largest line or frame (characters) before the stream counts as broken. */
  maxFrameSize?: number;
  /** Open the stream through this dispatcher. Default: a connection of its own, closed with the stream. */
  dispatcher?: Dispatcher;
}

export async function* openWatchStream(
  url: string,
  options: WatchStreamOptions,
): AsyncGenerator<ConnectionEvent> {
  // A connection of its own, destroyed with the stream: when a stream is aborted mid-body, undici
  // may connect again for the aborted request (nodejs/undici#5845), and on the process's global
  // dispatcher that idle connection to the agent outlived the stream and the lifecycle.
  let own: Client | undefined;
  try {
    yield* readWatchStream(url, options, (origin) => {
      own = new Client(origin);
      return own;
    });
  } finally {
    void own?.destroy();
  }
}

async function* readWatchStream(
  url: string,
  options: WatchStreamOptions,
  connection: (origin: string) => Dispatcher,
): AsyncGenerator<ConnectionEvent> {
  const { signal, onActivity } = options;
  const maxFrameSize = options.maxFrameSize ?? DefaultMaxFrameSize;
  let response: Dispatcher.ResponseData;
  try {
    const dispatcher = options.dispatcher ?? connection(new URL(url).origin);
    response = await request(url, {
      method: "GET",
      headers: { accept: "text/event-stream" },
      signal,
      dispatcher,
      // Silence is the chart's call (livenessTimeout), not a transport timeout.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new AgentUnreachableError("watch", url, errorMessageOf(error), error);
  }
  const contentType = headerText(response.headers["content-type"]);
  const notAStream = response.statusCode === 200 && !isEventStream(contentType);
  if (response.statusCode !== 200 || notAStream) {
    await response.body.dump().catch(() => {});
    const code = response.statusCode;
    if (notAStream) throw new WatchContentTypeError(code, contentType);
    // The agent's own reason phrase, as Go's resp.Status has it (undici reads it off the wire).
    throw new WatchHTTPStatusError(code, `${code} ${response.statusText}`.trim());
  }
  onActivity?.();

  const ready: ConnectionEvent[] = [];
  let failure: Error | undefined;
  // Fed complete lines only, the parser never holds a partial line, and WatchLines keeps each
  // frame's data within maxFrameSize: what the parser buffers is bounded without maxBufferSize.
  // Unknown fields are ignored, as SSE says (no onError).
  const parser = createParser({
    onEvent(frame) {
      if (failure) return; // a bad frame broke the stream: nothing after it counts
      try {
        const event = toConnectionEvent(frame);
        if (event) ready.push(event);
      } catch (error) {
        failure = error as Error;
      }
    },
  });
  const lines = new WatchLines(maxFrameSize);
  const decoder = new TextDecoder();
  try {
    // At EOF what is left is an unended line or an unended frame: SSE discards both, so there is
    // nothing to flush (every ended line, a CR-ended one included, has been fed already).
    for await (const chunk of response.body) {
      onActivity?.();
      const fed = lines.push(decoder.decode(chunk as Buffer, { stream: true }));
      parser.feed(fed.lines);
      while (ready.length > 0) yield ready.shift() as ConnectionEvent;
      failure ??= fed.tooLarge;
      if (failure) throw failure;
    }
  } catch (error) {
    if (signal.aborted || error === failure) throw error;
    // A restarting agent cuts the socket mid-stream: that is the stream closing.
    throw new ErrWatchStreamClosed({ cause: error });
  } finally {
    response.body.destroy();
  }
  throw new ErrWatchStreamClosed();
}

function headerText(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value.join(", ") : (value ?? "")).trim();
}

/** `text/event-stream`, in any case, parameters (`; charset=utf-8`) allowed. */
function isEventStream(contentType: string): boolean {
  return contentType.split(";")[0]?.trim().toLowerCase() === "text/event-stream";
}
