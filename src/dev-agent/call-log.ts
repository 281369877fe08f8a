/**
 * The dev agent's record of the calls it answered, bounded so that no caller can make it grow:
 * the last `CALL_LOG_LIMITS.calls` calls; a body is kept verbatim only up to
 * `CALL_LOG_LIMITS.bodyBytesPerCall`, a larger one as a short summary; and at most
 * `CALL_LOG_LIMITS.bodyBytes` of bodies in all (past that the oldest kept bodies become summaries).
 */

export const CALL_LOG_LIMITS = {
  calls: 1000,
  bodyBytes: 4 * 1024 * 1024,
  bodyBytesPerCall: 64 * 1024,
} as const;

const ALL_BODIES = `${CALL_LOG_LIMITS.bodyBytes / (1024 * 1024)} MiB of bodies`;
const PER_CALL = `${CALL_LOG_LIMITS.bodyBytesPerCall / 1024} KiB`;

/** How much of a body a summary shows. */
const SUMMARY_PREFIX_CHARS = 120;

/** One request the agent answered. */
export interface DevAgentCall {
  at: string;
  method: string;
  path: string;
  /** Query string without `?`, "" when none. */
  query: string;
  /** Parsed JSON body of admin calls; undefined when absent, unparsable or not kept (see `bodySummary`). */
  body?: unknown;
  /** Size of the body received, in bytes (admin calls whose body was read). */
  bodyBytes?: number;
  /** Instead of `body` when it was too large to keep: its start and its size. */
  bodySummary?: string;
  status: number;
  /** The error text of a refused call. */
  error?: string;
}

function summary(text: string, bytes: number, why: string): string {
  const start = text.length > SUMMARY_PREFIX_CHARS ? `${text.slice(0, SUMMARY_PREFIX_CHARS)}…` : text;
  return `${start} (${bytes} bytes; not kept: ${why})`;
}

export class CallLog {
  readonly #calls: DevAgentCall[] = [];
  /** Bytes of the bodies kept verbatim, per call; the oldest first, as in `#calls`. */
  readonly #kept = new Map<DevAgentCall, number>();
  #keptBytes = 0;

  get calls(): readonly DevAgentCall[] {
    return this.#calls;
  }

  /** Bytes of request bodies the log holds verbatim now. */
  get keptBodyBytes(): number {
    return this.#keptBytes;
  }

  /** Adds a call; `bodyText` is the raw body when one was read. */
  add(call: DevAgentCall, bodyText?: string): void {
    if (bodyText !== undefined) this.#keepBody(call, bodyText);
    this.#calls.push(call);
    while (this.#calls.length > CALL_LOG_LIMITS.calls) this.#forget(this.#calls.shift() as DevAgentCall);
    for (const [oldest, bytes] of this.#kept) {
      if (this.#keptBytes <= CALL_LOG_LIMITS.bodyBytes) break;
      this.#forget(oldest);
      oldest.bodySummary = summary(JSON.stringify(oldest.body) ?? "", bytes, `the log keeps ${ALL_BODIES}`);
      delete oldest.body;
    }
  }

  #keepBody(call: DevAgentCall, text: string): void {
    const bytes = Buffer.byteLength(text);
    call.bodyBytes = bytes;
    if (bytes > CALL_LOG_LIMITS.bodyBytesPerCall) {
      call.bodySummary = summary(text, bytes, `over the ${PER_CALL} a call keeps`);
      return;
    }
    const body = tryParse(text);
    if (body === undefined) {
      call.bodySummary = summary(text, bytes, "not JSON");
      return;
    }
    call.body = body;
    this.#kept.set(call, bytes);
    this.#keptBytes += bytes;
  }

  #forget(call: DevAgentCall): void {
    this.#keptBytes -= this.#kept.get(call) ?? 0;
    this.#kept.delete(call);
  }
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
