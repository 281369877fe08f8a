/**
 * What the inspector knows about each running service, built from the `@statelyai/inspect`
 * WebSocket protocol: `@xstate.actor` (an actor started: its definition and first snapshot),
 * `@xstate.snapshot` (after every event: the new state value and context), `@xstate.event`.
 * A service is a root actor (no parent); its child actors (watch, register, ...) are ignored.
 */
import type { StateValue } from "xstate";
import { lifecycleStateName } from "../../machines/state-name.ts";
import { transitionLabel } from "./chart-graph.ts";

export interface LogEntry {
  /** ms since the epoch, as the service stamped the inspection event. */
  time: number;
  from: string | null;
  event: string;
  to: string;
}

export interface ServiceView {
  /** The root actor's session id. */
  id: string;
  /** `name:port` of the registration when the context holds one, else the machine's id. */
  name: string;
  machine: string;
  /** Its inspector WebSocket is open. */
  connected: boolean;
  /** The leaf the service is in (the `session` region's leaf while online). */
  state: string | null;
  /** Every active state node id, ancestors included: what the page highlights. */
  active: string[];
  status: unknown;
  log: LogEntry[];
}

/** A service changed (with the transition it took, if any), or was forgotten. */
export type ServiceUpdate = { service: ServiceView; entry?: LogEntry; removed?: true };

const maxLogEntries = 500;
const maxServices = 50;
/** Deeper than any chart needs; keeps a hostile message from recursing the stack away. */
const maxStateDepth = 32;

/** The fields read off one `@statelyai/inspect` message, checked: services may send anything. */
interface InspectionMessage {
  type: unknown;
  sessionId: string;
  parentId?: unknown;
  name?: unknown;
  value?: StateValue;
  context?: Record<string, unknown>;
  eventType?: unknown;
  time: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A state value as XState writes one: a leaf name, or regions each holding a state value. */
function isStateValue(value: unknown, depth = 0): value is StateValue {
  if (typeof value === "string") return true;
  if (!isRecord(value) || depth > maxStateDepth) return false;
  const children = Object.values(value);
  return children.length > 0 && children.every((child) => isStateValue(child, depth + 1));
}

/** The inspection event in `raw`, or undefined when it is not one this page can use. */
function parseMessage(raw: string): InspectionMessage | undefined {
  let message: unknown;
  try {
    message = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!isRecord(message) || typeof message.sessionId !== "string" || !isRecord(message.snapshot)) {
    return undefined;
  }
  const { value, context } = message.snapshot;
  const createdAt = Number(message.createdAt);
  return {
    type: message.type,
    sessionId: message.sessionId,
    parentId: message.parentId,
    name: message.name,
    value: isStateValue(value) ? value : undefined,
    context: isRecord(context) ? context : undefined,
    eventType: isRecord(message.event) ? message.event.type : undefined,
    time: Number.isFinite(createdAt) && createdAt > 0 ? createdAt : Date.now(),
  };
}

/** `lifecycle` + `{running: {online: {session: "connected"}}}` → every active node id. */
export function activeStateIds(machineId: string, value: StateValue): string[] {
  const ids: string[] = [];
  const walk = (prefix: string, current: StateValue) => {
    if (typeof current === "string") {
      ids.push(`${prefix}.${current}`);
      return;
    }
    for (const [key, child] of Object.entries(current)) {
      ids.push(`${prefix}.${key}`);
      if (child !== undefined) walk(`${prefix}.${key}`, child);
    }
  };
  walk(machineId, value);
  return ids;
}

function serviceName(context: Record<string, unknown> | undefined, fallback: string): string {
  const request = context?.request as { name?: unknown; port?: unknown } | undefined;
  if (typeof request?.name === "string" && request.name !== "") {
    return typeof request.port === "number" ? `${request.name}:${request.port}` : request.name;
  }
  return fallback;
}

function isLifecycleContext(context: Record<string, unknown> | undefined): boolean {
  return typeof context?.request === "object" && typeof context?.status === "object";
}

export class InspectorSessions {
  readonly #services = new Map<string, ServiceView>();
  /** The WebSocket each service last spoke on, so its closing marks the service gone. */
  readonly #sources = new Map<string, object>();
  readonly #listeners = new Set<(update: ServiceUpdate) => void>();

  list(): ServiceView[] {
    return [...this.#services.values()];
  }

  subscribe(listener: (update: ServiceUpdate) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** One message from `source` (a service's WebSocket); anything but a usable inspection event is dropped. */
  ingest(raw: string, source: object): void {
    const message = parseMessage(raw);
    if (!message) return;
    if (message.type === "@xstate.actor") {
      if (message.parentId !== undefined && message.parentId !== null) return;
      const machine = typeof message.name === "string" ? message.name : message.sessionId;
      // Its snapshot is read when the event is serialized, later than the snapshots that follow
      // it: states come from `@xstate.snapshot` events only, in order, starting at xstate.init.
      this.#apply(this.#adopt(message.sessionId, machine), source, { ...message, value: undefined });
      return;
    }
    if (message.type !== "@xstate.snapshot") return;
    const known = this.#services.get(message.sessionId);
    if (known) {
      this.#apply(known, source, message);
    } else if (message.value !== undefined && isLifecycleContext(message.context)) {
      // Its `@xstate.actor` was lost (the service buffered past its limit before we came up).
      this.#apply(this.#adopt(message.sessionId, "lifecycle"), source, message);
    }
  }

  /** `source` closed: the services on it stopped, or lost us. */
  disconnected(source: object): void {
    for (const [id, from] of this.#sources) {
      const service = this.#services.get(id);
      if (from !== source || !service) continue;
      this.#sources.delete(id);
      service.connected = false;
      this.#emit({ service });
    }
  }

  #adopt(id: string, machine: string): ServiceView {
    const service: ServiceView = this.#services.get(id) ?? {
      id,
      name: machine,
      machine,
      connected: true,
      state: null,
      active: [],
      status: null,
      log: [],
    };
    service.machine = machine;
    this.#services.set(id, service);
    this.#evict(id);
    return service;
  }

  #apply(service: ServiceView, source: object, message: InspectionMessage) {
    const { value, context } = message;
    this.#sources.set(service.id, source);
    service.connected = true;
    service.name = serviceName(context, service.name);
    if (context && "status" in context) service.status = context.status;
    let entry: LogEntry | undefined;
    if (value !== undefined) {
      const active = activeStateIds(service.machine, value);
      const state = lifecycleStateName(value);
      if (active.join() !== service.active.join()) {
        const type = typeof message.eventType === "string" ? message.eventType : "";
        entry = {
          time: message.time,
          from: service.state,
          event: type === "" || type === "xstate.init" ? "start" : transitionLabel({ eventType: type }).label,
          to: state,
        };
        service.log.push(entry);
        if (service.log.length > maxLogEntries) service.log.shift();
      }
      service.active = active;
      service.state = state;
    }
    this.#emit(entry ? { service, entry } : { service });
  }

  /**
   * Keeps at most `maxServices`: forgets the oldest that are gone first, then the oldest still
   * connected (something is opening sessions without end), never `keep`, the one just seen.
   */
  #evict(keep: string) {
    const forget = (service: ServiceView) => {
      this.#services.delete(service.id);
      this.#sources.delete(service.id);
      this.#emit({ service, removed: true });
    };
    for (const service of this.list()) {
      if (this.#services.size <= maxServices) return;
      if (!service.connected) forget(service);
    }
    for (const service of this.list()) {
      if (this.#services.size <= maxServices) return;
      if (service.id !== keep) forget(service);
    }
  }

  #emit(update: ServiceUpdate) {
    for (const listener of this.#listeners) listener(update);
  }
}
