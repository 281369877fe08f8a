/**
 * The service side of inspection: SIDECAR_LIFECYCLE_INSPECT=<ws url> streams a lifecycle's
 * inspection events to an inspector (`sidecar-lifecycle inspect`, or @statelyai/inspect's own
 * server) with @statelyai/inspect's `createInspector`, so the messages are exactly the ones its
 * `createWebSocketInspector` sends, each stamped with the time its event happened. The socket is
 * ours: that adapter reconnects forever, even after `stop()`, which would keep a finished
 * service's process alive. On every connection it first says which process it speaks for
 * (`ProcessAnnouncement`), so the inspector keeps services of different processes apart.
 */

import type WebSocket from "ws";
import type { ActorOptions, AnyActorLogic, InspectionEvent } from "xstate";
import { type ServiceIdentity, serviceIdentity } from "./service-identity.ts";

export const InspectEnv = "SIDECAR_LIFECYCLE_INSPECT";

/** What XState's `createActor(logic, { inspect })` takes. */
export type InspectOption = NonNullable<ActorOptions<AnyActorLogic>["inspect"]>;

/**
 * The first message on each inspector connection: `{ type, pid, serviceName?, servicePort? }`,
 * the service once its lifecycle's context names it.
 */
export const ProcessAnnouncement = "@sidecar-lifecycle.process";

/** How long `flush()` waits by default: a service exiting right after shutdown() waits this at most. */
export const DefaultFlushTimeoutMs = 200;

export interface ServiceInspector {
  readonly url: string;
  inspect(event: InspectionEvent): void;
  /**
   * Resolves once every event inspected so far is written to the inspector's socket, or after
   * `timeoutMs` (default 200), or at once when the inspector is away. Never rejects.
   */
  flush(timeoutMs?: number): Promise<void>;
  /** Sends what is queued, then closes; no reconnect after this. */
  stop(): void;
}

const maxQueued = 1000;
/** WebSocket ready states (the WHATWG values `ws` uses), so `ws` need not load to read them. */
const CONNECTING = 0;
const OPEN = 1;
const reconnectDelay = 1000;
/** The inspection events @statelyai/inspect converts; it drops every other kind. */
const convertedTypes = new Set(["@xstate.actor", "@xstate.event", "@xstate.snapshot"]);

/** Checks an inspector address: a ws:// or wss:// URL. */
export function inspectorURL(value: string, source = "inspector URL"): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new TypeError(`${source} must be a ws:// URL such as ws://127.0.0.1:15020, got "${value}"`);
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:") {
    throw new TypeError(`${source} must be a ws:// or wss:// URL, got "${value}"`);
  }
  return url.href;
}

/** A WebSocket that queues while down and reconnects until stopped; its timers never hold the process. */
class InspectorSocket {
  #socket: WebSocket | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** Said once per outage: a service sends events all the time, a warning for each would flood. */
  #warnedDropping = false;
  readonly #queue: string[] = [];
  /** Sent, but not yet written to the OS: lost if the process exits now. */
  #unwritten = 0;
  #announcement: string | undefined;

  /** `ws`, loaded on first use: a service that does not inspect never loads it. */
  webSocket: typeof WebSocket | undefined;

  constructor(
    readonly url: string,
    private readonly warn: (message: string) => void,
    /** Called whenever what is left to send may have changed. */
    private readonly changed: () => void,
  ) {}

  /** Nothing is waiting to go out, or nothing can go out now (no connection open or opening). */
  get settled(): boolean {
    const state = this.#socket?.readyState;
    if (state !== OPEN && state !== CONNECTING) return true;
    return this.#queue.length === 0 && this.#unwritten === 0;
  }

  start() {
    if (this.#stopped || this.#socket || !this.webSocket) return;
    const socket = new this.webSocket(this.url);
    this.#socket = socket;
    socket.on("open", () => {
      this.#warnedDropping = false;
      if (this.#announcement) this.#write(socket, this.#announcement);
      for (const message of this.#queue.splice(0)) this.#write(socket, message);
      if (this.#stopped) socket.close();
      this.changed();
    });
    socket.on("error", () => {}); // "close" follows and reconnects.
    socket.on("close", () => {
      if (this.#socket === socket) this.#socket = undefined;
      this.#unwritten = 0;
      this.changed();
      if (this.#stopped) return;
      this.#timer = setTimeout(() => this.start(), reconnectDelay);
      this.#timer.unref();
    });
  }

  #write(socket: WebSocket, message: string) {
    this.#unwritten++;
    socket.send(message, () => {
      this.#unwritten = Math.max(0, this.#unwritten - 1);
      this.changed();
    });
  }

  /** Who this socket speaks for: sent first on every connection, and now if one is open. */
  announce(message: string) {
    this.#announcement = message;
    if (this.#socket?.readyState === OPEN) this.#write(this.#socket, message);
  }

  send(message: string) {
    if (this.#socket?.readyState === OPEN) {
      this.#write(this.#socket, message);
      return;
    }
    this.#queue.push(message);
    if (this.#queue.length > maxQueued) {
      this.#queue.shift();
      if (!this.#warnedDropping) this.warn(`inspector ${this.url} unreachable: dropping oldest events`);
      this.#warnedDropping = true;
    }
  }

  /** No reconnect after this; an open socket closes after what was sent, an opening one gets `graceMs` to open. */
  stop(graceMs: number) {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const socket = this.#socket;
    if (socket?.readyState === OPEN) socket.close();
    else if (socket?.readyState === CONNECTING) {
      // On "open" it sends the queue and closes; an inspector that never answers is let go.
      setTimeout(() => {
        if (socket.readyState === CONNECTING) socket.terminate();
      }, graceMs).unref();
    }
  }
}

function announcement(identity: ServiceIdentity | undefined): string {
  return JSON.stringify({
    type: ProcessAnnouncement,
    pid: process.pid,
    ...(identity ? { serviceName: identity.name, servicePort: identity.port } : {}),
  });
}

/**
 * An inspector streaming to `url`. Loads @statelyai/inspect on first use (an optional peer
 * dependency); events that arrive meanwhile wait, in order, keeping their own time. Stops
 * itself when the root actor is done, after its last events went out.
 */
export function connectInspector(url: string, warn: (message: string) => void): ServiceInspector {
  const waiters = new Set<() => void>();
  const changed = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const socket = new InspectorSocket(inspectorURL(url), warn, changed);
  socket.announce(announcement(undefined));
  let next: ((event: InspectionEvent) => void) | undefined;
  let pending: InspectionEvent[] | undefined = [];
  let announced = false;
  let stopping = false;
  /**
   * When each event handed to @statelyai/inspect happened, in order: it converts each one on a
   * later timer and stamps it then, which for events queued before it loaded is much later.
   */
  const times: number[] = [];

  const converted = () => pending === undefined && times.length === 0;
  const stopWhenConverted = () => {
    if (stopping && converted()) socket.stop(DefaultFlushTimeoutMs);
  };

  Promise.all([import("@statelyai/inspect"), import("ws")]).then(
    ([{ createInspector }, ws]) => {
      socket.webSocket = ws.default;
      const inspector = createInspector(
        {
          start: () => socket.start(),
          stop: () => socket.stop(DefaultFlushTimeoutMs),
          send: (event) => {
            const time = times.shift();
            try {
              socket.send(JSON.stringify(time === undefined ? event : { ...event, createdAt: String(time) }));
            } catch (error) {
              warn(`inspection event not sent: ${(error as Error).message}`);
            }
            stopWhenConverted();
            changed();
          },
        },
        { autoStart: false },
      );
      socket.start();
      next = (event) => inspector.inspect.next?.(event);
      for (const event of pending ?? []) next(event);
      pending = undefined;
      stopWhenConverted();
      changed();
    },
    (error: Error) => {
      pending = undefined;
      times.length = 0;
      changed();
      warn(
        `${InspectEnv} is set but @statelyai/inspect could not be loaded (npm install @statelyai/inspect): ${error.message}`,
      );
    },
  );

  const stop = () => {
    stopping = true;
    stopWhenConverted();
  };

  return {
    url: socket.url,
    inspect(event) {
      const root = event.actorRef.sessionId === event.rootId;
      if (root && !announced && event.type === "@xstate.snapshot") {
        announced = true;
        socket.announce(announcement(serviceIdentity((event.snapshot as { context?: unknown }).context)));
      }
      if (!convertedTypes.has(event.type)) return;
      if (next) {
        times.push(Date.now());
        next(event);
      } else if (pending && pending.length < maxQueued) {
        times.push(Date.now());
        pending.push(event);
      }
      const done = event.type === "@xstate.snapshot" && event.snapshot.status !== "active";
      if (done && root) stop();
    },
    flush(timeoutMs = DefaultFlushTimeoutMs) {
      return new Promise<void>((resolve) => {
        const check = () => {
          if (!converted() || !socket.settled) return;
          finish();
        };
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(finish, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    stop,
  };
}

/** The inspector SIDECAR_LIFECYCLE_INSPECT asks for, if any. */
export function inspectorFromEnv(
  warn: (message: string) => void = (message) => process.emitWarning(message, "SidecarLifecycleInspect"),
  env: NodeJS.ProcessEnv = process.env,
): ServiceInspector | undefined {
  const value = env[InspectEnv]?.trim();
  if (!value) return undefined;
  inspectorURL(value, InspectEnv);
  return connectInspector(value, warn);
}
