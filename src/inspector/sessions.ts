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

export type ServiceUpdate = { service: ServiceView; entry?: LogEntry };

const maxLogEntries = 500;
const maxServices = 50;

interface InspectionMessage {
  type?: unknown;
  sessionId?: unknown;
  parentId?: unknown;
  name?: unknown;
  snapshot?: { value?: StateValue; context?: Record<string, unknown> };
  event?: { type?: unknown };
  createdAt?: unknown;
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
  readonly #listeners = new Set<(update: ServiceUpdate) => void>();

  list(): ServiceView[] {
    return [...this.#services.values()];
  }

  get(id: string): ServiceView | undefined {
    return this.#services.get(id);
  }

  subscribe(listener: (update: ServiceUpdate) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** One message from a service's WebSocket; `connection` collects the root sessions it carries. */
  ingest(raw: string, connection: Set<string>): void {
    let message: InspectionMessage;
    try {
      message = JSON.parse(raw) as InspectionMessage;
    } catch {
      return; // Not an inspection event: the protocol has nothing else to say, so drop it.
    }
    if (typeof message.sessionId !== "string" || !message.snapshot) return;
    const time = Number(message.createdAt) || Date.now();

    if (message.type === "@xstate.actor") {
      if (message.parentId !== undefined && message.parentId !== null) return;
      const machine = typeof message.name === "string" ? message.name : message.sessionId;
      // Its snapshot is read when the event is serialized, later than the snapshots that follow
      // it: states come from `@xstate.snapshot` events only, in order, starting at xstate.init.
      const registration = { ...message, snapshot: { context: message.snapshot.context } };
      this.#adopt(message.sessionId, machine, connection, registration, time);
      return;
    }
    if (message.type !== "@xstate.snapshot") return;
    const known = this.#services.get(message.sessionId);
    if (known) {
      this.#apply(known, message, time);
    } else if (message.snapshot.value !== undefined && isLifecycleContext(message.snapshot.context)) {
      // Its `@xstate.actor` was lost (the service buffered past its limit before we came up).
      this.#adopt(message.sessionId, "lifecycle", connection, message, time);
    }
  }

  /** The service's WebSocket closed: it stopped, or lost us. */
  disconnected(connection: Set<string>): void {
    for (const id of connection) {
      const service = this.#services.get(id);
      if (!service) continue;
      service.connected = false;
      this.#emit({ service });
    }
  }

  #adopt(id: string, machine: string, connection: Set<string>, message: InspectionMessage, time: number) {
    connection.add(id);
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
    service.connected = true;
    this.#services.set(id, service);
    this.#evict();
    this.#apply(service, message, time);
  }

  #apply(service: ServiceView, message: InspectionMessage, time: number) {
    const { value, context } = message.snapshot ?? {};
    service.name = serviceName(context, service.name);
    if (context && "status" in context) service.status = context.status;
    let entry: LogEntry | undefined;
    if (value !== undefined) {
      const active = activeStateIds(service.machine, value);
      const state = lifecycleStateName(value);
      if (active.join() !== service.active.join()) {
        const type = typeof message.event?.type === "string" ? message.event.type : "";
        entry = {
          time,
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

  /** Forget the oldest services that are gone, so a long-lived inspector stays bounded. */
  #evict() {
    for (const [id, service] of this.#services) {
      if (this.#services.size <= maxServices) return;
      if (!service.connected) this.#services.delete(id);
    }
  }

  #emit(update: ServiceUpdate) {
    for (const listener of this.#listeners) listener(update);
  }
}
