/**
 * One watch stream per agent, shared by every lifecycle of the process that watches it: a
 * process-wide registry of open streams, keyed by what makes two streams the same (the watch URL
 * and the options that shape the stream). 500 lifecycles on one agent hold one TCP connection,
 * one parser and one frame decoder instead of 500.
 *
 * To each lifecycle the shared stream is a private one (the OpenStream seam of src/actors.ts):
 * - The first subscriber opens the stream; later ones attach to it. Each gets every event from its
 *   attach on and every activity call (a byte chunk). One attaching after the stream's `connected`
 *   gets that `connected` at once (it would never register otherwise), unchanged: the agent's own
 *   event id and generated_at, since inventing an id would misreport the wire, and a restarted
 *   agent always ends the stream first, so the replayed frame never outlives its agent run. Then
 *   the latest heartbeat since it, if any (what the agent last said of its readiness). Every later
 *   `connected` reaches every subscriber: it may be a restarted agent's.
 * - The stream's failure or end is each subscriber's: its iterable throws that same error (ends
 *   the same way), after the events it had not read, and the registry forgets the stream at once.
 *   Each lifecycle then reconnects on its own jittered backoff, and the first to come back opens
 *   a fresh stream; the others attach as their backoff ends, so the registers stay spread.
 * - Sharing does not change when a lifecycle hears `connected`. One that attached while the stream
 *   was opening gets the first `connected` as late as a private stream opened at its attach would
 *   have: the opening's latency after its attach. Without that, every lifecycle whose backoff
 *   ended during the opening (tens of them in a restart storm, where the opening takes as long as
 *   the event loop is busy) would register in the same millisecond, undoing the jitter.
 * - A subscriber whose signal aborts leaves alone; the stream is aborted when the last one leaves.
 *   Any leave also retires the stream: it keeps serving who is attached, but the next subscriber
 *   opens a fresh one. A lifecycle leaves its stream for a shutdown or because its liveness timer
 *   found no byte on it (a hung agent), and the two look the same from here: were the hung stream
 *   kept, the lifecycle would reconnect onto it, and a stream with subscribers in rotation would
 *   never be dropped. Retired, it behaves as a private stream did: a liveness timeout gets the
 *   lifecycle a new connection. The cost is one more connection after such a leave, never more
 *   connections than private streams would hold.
 * - Memory is bounded whatever the agent sends. The stream is read at the agent's pace, never at
 *   the slowest subscriber's (one stuck consumer must not starve the others' liveness). What a
 *   subscriber has not read waits in its own queue: heartbeats in a row are merged into the last
 *   (as the watch actor merges them anyway), a `connected` is never merged or dropped. A
 *   subscriber that lets SubscriberBacklogLimit events pile up is cut loose: it leaves the stream,
 *   and after what it holds it reads a WatchSubscriberOverflowError (a disconnect to its chart).
 *   The watch actor reads every event as it comes, so a lifecycle never gets there.
 */
import type { ConnectionEvent } from "../../machines/types.ts";
import { mergeEvents, type OpenStream } from "../actors.ts";
import { DefaultMaxFrameSize } from "../defaults.ts";
import { openWatchStream } from "./watch-stream.ts";

/** Most events a subscriber may leave unread (heartbeats in a row count as one) before it is cut loose. */
export const SubscriberBacklogLimit = 256;

/** A subscriber read too slowly: more than SubscriberBacklogLimit events of a shared watch stream piled up. */
export class WatchSubscriberOverflowError extends Error {
  override readonly name = "WatchSubscriberOverflowError";
  constructor(readonly limit: number) {
    super(`watch subscriber fell ${limit} events behind the shared watch stream`);
  }
}

/** How a stream ended: by throwing `error`, or by returning (outside the OpenStream contract; passed on as it came). */
type End = { error: unknown } | { returned: true };

class Subscriber {
  readonly queue: ConnectionEvent[] = [];
  readonly attachedAt = performance.now();
  /** No event is read before this (performance.now() ms; 0: no wait): see holdUntilDue. */
  dueAt = 0;
  /** Held until dueAt: new events do not wake it, its end or its abort do. */
  held = false;
  end: End | undefined;
  /** Resumes the subscription waiting for an event, its end or its due time. */
  wake: (() => void) | undefined;

  constructor(readonly onActivity: () => void) {}

  /** Queues `event`; false when the backlog is full (the event is not queued). */
  push(event: ConnectionEvent): boolean {
    const { queue } = this;
    const last = queue[queue.length - 1];
    if (event.type === "heartbeat" && last?.type === "heartbeat") {
      queue[queue.length - 1] = mergeEvents(last, event);
    } else {
      if (queue.length >= SubscriberBacklogLimit) return false;
      queue.push(event);
    }
    if (!this.held) this.resume();
    return true;
  }

  finish(end: End): void {
    this.end ??= end;
    this.resume();
  }

  resume(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

class SharedStream {
  readonly #subscribers = new Set<Subscriber>();
  readonly #controller = new AbortController();
  readonly #openedAt = performance.now();
  #lastConnected: ConnectionEvent | undefined;
  /** The latest heartbeat since #lastConnected (merged as the queues merge them). */
  #lastHeartbeat: ConnectionEvent | undefined;
  #end: End | undefined;

  constructor(
    readonly key: string,
    open: OpenStream,
  ) {
    this.#pump(open);
  }

  get ended(): boolean {
    return this.#end !== undefined;
  }

  attach(onActivity: () => void): Subscriber {
    const subscriber = new Subscriber(onActivity);
    if (this.#end) {
      subscriber.finish(this.#end);
      return subscriber;
    }
    if (this.#lastConnected) subscriber.push(this.#lastConnected);
    if (this.#lastHeartbeat) subscriber.push(this.#lastHeartbeat);
    this.#subscribers.add(subscriber);
    return subscriber;
  }

  detach(subscriber: Subscriber): void {
    if (!this.#subscribers.delete(subscriber)) return;
    this.#retire();
    if (this.#subscribers.size === 0) this.#controller.abort();
  }

  /** Takes no more subscribers: the next one opens a fresh stream. */
  #retire(): void {
    if (streams.get(this.key) === this) streams.delete(this.key);
  }

  async #pump(open: OpenStream): Promise<void> {
    let end: End;
    try {
      for await (const event of open(this.#controller.signal, this.#activity)) this.#publish(event);
      end = { returned: true };
    } catch (error) {
      end = { error };
    }
    this.#end = end;
    this.#retire();
    for (const subscriber of this.#subscribers) subscriber.finish(end);
    this.#subscribers.clear();
  }

  /** Every chunk is every subscriber's proof of life; one whose callback throws is cut loose, not the stream. */
  readonly #activity = (): void => {
    if (this.#end) return;
    for (const subscriber of this.#subscribers) {
      try {
        subscriber.onActivity();
      } catch (error) {
        this.#cut(subscriber, { error });
      }
    }
  };

  #publish(event: ConnectionEvent): void {
    if (event.type === "connected") {
      if (!this.#lastConnected) {
        // The opening: each subscriber so far hears it as late after its attach as it took.
        const latency = performance.now() - this.#openedAt;
        for (const subscriber of this.#subscribers) subscriber.dueAt = subscriber.attachedAt + latency;
      }
      this.#lastConnected = event;
      this.#lastHeartbeat = undefined;
    } else if (event.type === "heartbeat" && this.#lastConnected) {
      this.#lastHeartbeat = mergeEvents(this.#lastHeartbeat, event);
    }
    for (const subscriber of this.#subscribers) {
      if (!subscriber.push(event))
        this.#cut(subscriber, { error: new WatchSubscriberOverflowError(SubscriberBacklogLimit) });
    }
  }

  #cut(subscriber: Subscriber, end: End): void {
    subscriber.finish(end);
    this.detach(subscriber);
  }
}

/** The streams that take subscribers, by key. A stream leaves it when it ends or a subscriber leaves it. */
const streams = new Map<string, SharedStream>();

/** The stream under `key` that takes subscribers, or a new one opened with `open`. */
function streamFor(key: string, open: OpenStream): SharedStream {
  let stream = streams.get(key);
  if (!stream) {
    stream = new SharedStream(key, open);
    // An `open` that threw at once has ended the stream already: its subscriber gets that error.
    if (!stream.ended) streams.set(key, stream);
  }
  return stream;
}

async function* subscription(
  key: string,
  open: OpenStream,
  signal: AbortSignal,
  onActivity: () => void,
): AsyncGenerator<ConnectionEvent> {
  signal.throwIfAborted();
  const stream = streamFor(key, open);
  const subscriber = stream.attach(onActivity);
  // Leave at once, not at the next read: a consumer that stopped reading must not hold the stream open.
  const onAbort = () => {
    stream.detach(subscriber);
    subscriber.queue.length = 0;
    subscriber.resume();
  };
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    for (;;) {
      signal.throwIfAborted();
      if (subscriber.dueAt !== 0) {
        await holdUntilDue(subscriber);
        signal.throwIfAborted();
      }
      const event = subscriber.queue.shift();
      if (event) {
        yield event;
        continue;
      }
      const end = subscriber.end;
      if (end) {
        if ("error" in end) throw end.error;
        return;
      }
      await new Promise<void>((resolve) => {
        subscriber.wake = resolve;
      });
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    stream.detach(subscriber);
  }
}

/** Waits until the subscriber's events are due (see Subscriber.dueAt), or it ends or leaves. */
async function holdUntilDue(subscriber: Subscriber): Promise<void> {
  const wait = subscriber.dueAt - performance.now();
  subscriber.dueAt = 0;
  if (wait < 1 || subscriber.end) return;
  subscriber.held = true;
  let timer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    subscriber.wake = resolve;
    timer = setTimeout(() => subscriber.resume(), wait);
  });
  clearTimeout(timer);
  subscriber.held = false;
}

/**
 * An OpenStream that attaches to the process's one stream under `key`, opening it with `open`
 * when there is none. Streams are the same when their keys are: a key must name everything that
 * shapes what the stream yields (see sharedWatchStream).
 */
export function sharedWatch(key: string, open: OpenStream): OpenStream {
  return (signal, onActivity) => subscription(key, open, signal, onActivity);
}

/** The agent's `/watch` at `url` (openWatchStream), shared by every lifecycle that reads it with the same maxFrameSize. */
export function sharedWatchStream(url: string, options: { maxFrameSize?: number } = {}): OpenStream {
  const maxFrameSize = options.maxFrameSize ?? DefaultMaxFrameSize;
  return sharedWatch(JSON.stringify(["watch", url, maxFrameSize]), (signal, onActivity) =>
    openWatchStream(url, { signal, onActivity, maxFrameSize }),
  );
}
