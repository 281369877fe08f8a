/**
 * Turns one parsed SSE frame into a ConnectionEvent, for every frame kind protocol.md lists.
 * Pure: eventsource-parser does the SSE parsing, this only reads what a frame means.
 */
import type { EventSourceMessage } from "eventsource-parser";
import type { ConnectionEvent } from "../../machines/types.ts";
import { utcISO } from "../../machines/utc-time.ts";
import { WatchEventParseError } from "../errors.ts";

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** RFC 3339 date-time (protocol.md's `generated_at`); Date.parse alone reads "1" as the year 2001. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function timestamp(value: unknown): string | undefined {
  if (typeof value !== "string" || !RFC3339.test(value)) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : utcISO(time);
}

/**
 * `null` for frames the client ignores (blank keep-alives, unknown types). Throws a
 * WatchEventParseError when the data looks like JSON (`{` or `[`) but does not parse.
 */
export function toConnectionEvent(frame: EventSourceMessage): ConnectionEvent | null {
  const sseType = frame.event ?? "";
  const eventId = frame.id ?? "";
  const data = frame.data;
  const trimmed = data.trim();
  if (sseType === "" && trimmed === "") return null;

  // JSON data is read for its fields; an array (or any non-object) parses but has none.
  const isJSON = trimmed.startsWith("{") || trimmed.startsWith("[");
  let payload: Record<string, unknown> | undefined;
  if (isJSON) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new WatchEventParseError(sseType || "message", eventId, data, error);
    }
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
      payload = parsed as Record<string, unknown>;
    }
  }

  let type = text(payload?.event) || sseType || "message";
  // Old agents send an unnamed `data: ok` on connect.
  if (type === "message" && trimmed === "ok") type = "connected";
  if (type !== "connected" && type !== "heartbeat") return null;

  return {
    type,
    connected: true,
    eventId,
    message: isJSON ? text(payload?.message) : data,
    service: text(payload?.service),
    status: text(payload?.status),
    lifecycleState: text(payload?.lifecycle_state),
    ready: typeof payload?.ready === "boolean" ? payload.ready : undefined,
    generatedAt: timestamp(payload?.generated_at),
  };
}
