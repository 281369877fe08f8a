/**
 * The service side of inspection: SIDECAR_LIFECYCLE_INSPECT=<ws url> streams a lifecycle's
 * inspection events to an inspector (`sidecar-lifecycle inspect`, or @statelyai/inspect's own
 * server) with @statelyai/inspect's `createInspector`, so the messages are exactly the ones its
 * `createWebSocketInspector` sends. The socket is ours: that adapter reconnects forever, even
 * after `stop()`, which would keep a finished service's process alive.
 */

import type WebSocket from "ws";
import type { ActorOptions, AnyActorLogic, InspectionEvent } from "xstate";

export const InspectEnv = "SIDECAR_LIFECYCLE_INSPECT";

/** What XState's `createActor(logic, { inspect })` takes. */
export type InspectOption = NonNullable<ActorOptions<AnyActorLogic>["inspect"]>;

export interface ServiceInspector {
  readonly url: string;
  inspect(event: InspectionEvent): void;
  /** Sends what is queued, then closes; no reconnect after this. */
  stop(): void;
}

const maxQueued = 1000;
/** WebSocket ready states (the WHATWG values `ws` uses), so `ws` need not load to read them. */
const CONNECTING = 0;
const OPEN = 1;
const reconnectDelay = 1000;

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

  /** `ws`, loaded on first use: a service that does not inspect never loads it. */
  webSocket: typeof WebSocket | undefined;

  constructor(
    readonly url: string,
    private readonly warn: (message: string) => void,
  ) {}

  start() {
    if (this.#stopped || this.#socket || !this.webSocket) return;
    const socket = new this.webSocket(this.url);
    this.#socket = socket;
    socket.on("open", () => {
      this.#warnedDropping = false;
      for (const message of this.#queue.splice(0)) socket.send(message);
      if (this.#stopped) socket.close();
    });
    socket.on("error", () => {}); // "close" follows and reconnects.
    socket.on("close", () => {
      this.#socket = undefined;
      if (this.#stopped) return;
      this.#timer = setTimeout(() => this.start(), reconnectDelay);
      this.#timer.unref();
    });
  }

  send(message: string) {
    if (this.#socket?.readyState === OPEN) {
      this.#socket.send(message);
      return;
    }
    this.#queue.push(message);
    if (this.#queue.length > maxQueued) {
      this.#queue.shift();
      if (!this.#warnedDropping) this.warn(`inspector ${this.url} unreachable: dropping oldest events`);
      this.#warnedDropping = true;
    }
  }

  stop() {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const socket = this.#socket;
    if (socket?.readyState === OPEN) socket.close();
    else if (socket?.readyState === CONNECTING) socket.terminate();
  }
}

/**
 * An inspector streaming to `url`. Loads @statelyai/inspect on first use (an optional peer
 * dependency); events that arrive meanwhile wait, in order. Stops itself when the root actor
 * is done, after its last events went out.
 */
export function connectInspector(url: string, warn: (message: string) => void): ServiceInspector {
  const socket = new InspectorSocket(inspectorURL(url), warn);
  let next: ((event: InspectionEvent) => void) | undefined;
  let pending: InspectionEvent[] | undefined = [];

  const stop = () => {
    // The inspector converts events on a 0 ms timer: let the last ones reach the socket first.
    setTimeout(() => socket.stop(), 0);
  };

  Promise.all([import("@statelyai/inspect"), import("ws")]).then(
    ([{ createInspector }, ws]) => {
      socket.webSocket = ws.default;
      const inspector = createInspector(
        {
          start: () => socket.start(),
          stop: () => socket.stop(),
          send: (event) => {
            try {
              socket.send(JSON.stringify(event));
            } catch (error) {
              warn(`inspection event not sent: ${(error as Error).message}`);
            }
          },
        },
        { autoStart: false },
      );
      socket.start();
      next = (event) => inspector.inspect.next?.(event);
      for (const event of pending ?? []) next(event);
      pending = undefined;
    },
    (error: Error) => {
      pending = undefined;
      warn(
        `${InspectEnv} is set but @statelyai/inspect could not be loaded (npm install @statelyai/inspect): ${error.message}`,
      );
    },
  );

  return {
    url: socket.url,
    inspect(event) {
      if (next) next(event);
      else if (pending && pending.length < maxQueued) pending.push(event);
      const done = event.type === "@xstate.snapshot" && event.snapshot.status !== "active";
      if (done && event.actorRef.sessionId === event.rootId) stop();
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
