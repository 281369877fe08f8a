/**
 * What the inspector knows about each running service, built from the `@statelyai/inspect`
 * WebSocket protocol: `@xstate.actor` (an actor started: its definition and first snapshot),
 * `@xstate.snapshot` (after every event: the new state value and context), `@xstate.event`.
 * A service is a root actor (no parent) on one connection: XState numbers actors per process,
 * so every process's root is `x:0`, and only the connection tells two processes apart. A
 * connection may announce its process (`ProcessAnnouncement`: pid, service name and port).
 * Its child actors (watch, register, ...) are ignored.
 */
import type { StateValue } from "xstate";
import { lifecycleStateName } from "../../machines/state-name.ts";
import { transitionLabel } from "./chart-graph.ts";
import { ProcessAnnouncement } from "./connect.ts";
import { identityLabel, type ServiceIdentity, serviceIdentity } from "./service-identity.ts";

export interface LogEntry {
  /** ms since the epoch, as the service stamped the inspection event. */
  time: number;
  from: string | null;
  event: string;
  to: string;
}

/**
 * How the lifecycle stands with its agent, what the page colours its badge by: `ok` registered,
 * `pending` on its way (connecting, registering, retrying, leaving), `down` cut off from the
 * agent (disconnected), `off` not running (idle, deregistered, or nothing known yet).
 */
export type Health = "ok" | "pending" | "down" | "off";

export interface ServiceView {
  /** Unique in this inspector: the connection and the root actor's session id, `c3/x:0`. */
  id: string;
  /** The inspector connection it came on, numbered from 1 in the order they opened. */
  connection: number;
  /** The root actor's session id (`x:0` in every process). */
  sessionId: string;
  /** `name:port` the process announced, else the one the context holds, else the machine's id. */
  name: string;
  /** The process id it announced; null when it did not (e.g. @statelyai/inspect's own inspector). */
  pid: number | null;
  machine: string;
  /** Its inspector WebSocket is open. */
  connected: boolean;
  /** The leaf the service is in (the `session` region's leaf while online). */
  state: string | null;
  health: Health;
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
const maxNameLength = 200;

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

interface Connection {
  number: number;
  pid: number | null;
  identity?: ServiceIdentity;
  /** Ids of the services seen on it. */
  services: Set<string>;
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

/** The announcement in `message`, checked field by field; undefined when it is not one. */
function announcementOf(message: Record<string, unknown>) {
  if (message.type !== ProcessAnnouncement) return undefined;
  const { pid, serviceName, servicePort } = message;
  const validPid = Number.isSafeInteger(pid) && (pid as number) > 0 ? (pid as number) : null;
  if (typeof serviceName !== "string" || serviceName === "" || serviceName.length > maxNameLength) {
    return { pid: validPid };
  }
  const port =
    Number.isInteger(servicePort) && (servicePort as number) >= 0 && (servicePort as number) <= 65535;
  return {
    pid: validPid,
    identity: port ? { name: serviceName, port: servicePort as number } : { name: serviceName },
  };
}

/** The inspection event in `message`, or undefined when it is not one this page can use. */
function inspectionOf(message: Record<string, unknown>): InspectionMessage | undefined {
  if (typeof message.sessionId !== "string" || !isRecord(message.snapshot)) return undefined;
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

export function healthOf(state: string | null): Health {
  if (state === "registered") return "ok";
  // `streamLost`: the stream failed while a register was in flight.
  if (state === "disconnected" || state === "streamLost") return "down";
  if (state === null || state === "idle" || state === "deregistered") return "off";
  return "pending";
}

function isLifecycleContext(context: Record<string, unknown> | undefined): boolean {
  return serviceIdentity(context) !== undefined && isRecord(context?.status);
}

export class InspectorSessions {
  readonly #services = new Map<string, ServiceView>();
  /** By WebSocket: each knows its services, so its closing marks them gone. */
  readonly #connections = new Map<object, Connection>();
  readonly #listeners = new Set<(update: ServiceUpdate) => void>();
  #connectionCount = 0;

  list(): ServiceView[] {
    return [...this.#services.values()];
  }

  subscribe(listener: (update: ServiceUpdate) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** One message from `source` (a service's WebSocket); anything but a usable one is dropped. */
  ingest(raw: string, source: object): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return;
    }
    if (!isRecord(parsed)) return;
    const connection = this.#connection(source);
    const announced = announcementOf(parsed);
    if (announced) {
      connection.pid = announced.pid;
      connection.identity = announced.identity ?? connection.identity;
      for (const id of connection.services) {
        const service = this.#services.get(id);
        if (service) this.#emit({ service: this.#label(service, connection) });
      }
      return;
    }
    const message = inspectionOf(parsed);
    if (!message) return;
    const id = `c${connection.number}/${message.sessionId}`;
    if (message.type === "@xstate.actor") {
      if (message.parentId !== undefined && message.parentId !== null) return;
      const machine = typeof message.name === "string" ? message.name : message.sessionId;
      // Its snapshot is read when the event is serialized, later than the snapshots that follow
      // it: states come from `@xstate.snapshot` events only, in order, starting at xstate.init.
      const service = this.#adopt(id, message.sessionId, machine, connection);
      this.#apply(service, connection, { ...message, value: undefined });
      return;
    }
    if (message.type !== "@xstate.snapshot") return;
    const known = this.#services.get(id);
    if (known) {
      this.#apply(known, connection, message);
    } else if (message.value !== undefined && isLifecycleContext(message.context)) {
      // Its `@xstate.actor` was lost (the service buffered past its limit before we came up).
      this.#apply(this.#adopt(id, message.sessionId, "lifecycle", connection), connection, message);
    }
  }

  /** `source` closed: the services on it stopped, or lost us. */
  disconnected(source: object): void {
    const connection = this.#connections.get(source);
    this.#connections.delete(source);
    for (const id of connection?.services ?? []) {
      const service = this.#services.get(id);
      if (!service) continue;
      service.connected = false;
      this.#emit({ service });
    }
  }

  #connection(source: object): Connection {
    let connection = this.#connections.get(source);
    if (!connection) {
      connection = { number: ++this.#connectionCount, pid: null, services: new Set() };
      this.#connections.set(source, connection);
    }
    return connection;
  }

  #adopt(id: string, sessionId: string, machine: string, connection: Connection): ServiceView {
    const service: ServiceView = this.#services.get(id) ?? {
      id,
      connection: connection.number,
      sessionId,
      name: machine,
      pid: null,
      machine,
      connected: true,
      state: null,
      health: "off",
      active: [],
      status: null,
      log: [],
    };
    service.machine = machine;
    this.#services.set(id, service);
    connection.services.add(id);
    this.#evict(id);
    return service;
  }

  /** The name and pid the connection announced win over what the context says. */
  #label(service: ServiceView, connection: Connection, context?: Record<string, unknown>): ServiceView {
    const identity = connection.identity ?? serviceIdentity(context);
    if (identity) service.name = identityLabel(identity);
    service.pid = connection.pid;
    return service;
  }

  #apply(service: ServiceView, connection: Connection, message: InspectionMessage) {
    const { value, context } = message;
    service.connected = true;
    this.#label(service, connection, context);
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
      service.health = healthOf(state);
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
      for (const connection of this.#connections.values()) connection.services.delete(service.id);
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
