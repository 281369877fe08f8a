/**
 * One attempt at the agent's `/watch` stream, over undici, parsed by eventsource-parser.
 * Yields ConnectionEvents until the stream breaks; it never ends quietly: EOF throws
 * ErrWatchStreamClosed, so every way out is an error the chart can classify.
 */
import { STATUS_CODES } from "node:http";
import { createParser } from "eventsource-parser";
import { type Dispatcher, request } from "undici";
import { errorMessageOf } from "../../machines/errors.ts";
import type { ConnectionEvent } from "../../machines/types.ts";
import { DefaultMaxFrameSize } from "../defaults.ts";
import {
  AgentUnreachableError,
  ErrWatchStreamClosed,
  WatchEventParseError,
  WatchHTTPStatusError,
} from "../errors.ts";
import { toConnectionEvent } from "./watch-frames.ts";

export interface WatchStreamOptions {
  signal: AbortSignal;
  /** Called for every chunk of bytes, comments included: proof the agent is alive. */
  onActivity?: () => void;
  /** Largest line or frame (characters) before the stream counts as broken. */
  maxFrameSize?: number;
  dispatcher?: Dispatcher;
}

export async function* openWatchStream(
  url: string,
  options: WatchStreamOptions,
): AsyncGenerator<ConnectionEvent> {
  const { signal, onActivity, dispatcher } = options;
  const maxFrameSize = options.maxFrameSize ?? DefaultMaxFrameSize;
  let response: Dispatcher.ResponseData;
  try {
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
  if (response.statusCode !== 200) {
    await response.body.dump().catch(() => {});
    const code = response.statusCode;
    throw new WatchHTTPStatusError(code, `${code} ${STATUS_CODES[code] ?? ""}`.trim());
  }
  onActivity?.();

  const ready: ConnectionEvent[] = [];
  let failure: Error | undefined;
  const tooLarge = (type = "", id = "") =>
    new WatchEventParseError(type, id, "", new Error(`frame larger than ${maxFrameSize} characters`));
  const parser = createParser({
    // Bounds what the parser buffers across chunks (an unterminated line or frame) ...
    maxBufferSize: maxFrameSize,
    onEvent(frame) {
      if (failure) return;
      // ... and this catches a whole oversized frame that arrived inside one chunk.
      if (frame.data.length > maxFrameSize) {
        failure = tooLarge(frame.event, frame.id);
        return;
      }
      try {
        const event = toConnectionEvent(frame);
        if (event) ready.push(event);
      } catch (error) {
        failure = error as Error;
      }
    },
    onComment(comment) {
      if (comment.length > maxFrameSize) failure ??= tooLarge();
    },
    onError(error) {
      if (error.type !== "max-buffer-size-exceeded") return; // unknown fields are ignored, as SSE says
      failure ??= tooLarge();
    },
  });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body) {
      onActivity?.();
      parser.feed(decoder.decode(chunk as Buffer, { stream: true }));
      while (ready.length > 0) yield ready.shift() as ConnectionEvent;
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
