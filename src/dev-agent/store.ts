/**
 * What the dev agent holds: local service instances by name+port, in memory only, through
 * `Registered → Draining → Deregistered`. Deregistered instances leave the store (as in the
 * agent) and are kept in a short history so `/debug/services` can show how they ended.
 */
import { randomBytes } from "node:crypto";
import type { RegisterRequest } from "../../machines/types.ts";
import { toWireRegister } from "../agent/http-client.ts";

export type ServiceState = "Registered" | "Draining" | "Deregistered";

export interface LocalService {
  instanceId: string;
  name: string;
  port: number;
  state: ServiceState;
  request: RegisterRequest;
  registeredAt: string;
  /** Last register call for this instance (idempotent refreshes move it). */
  refreshedAt: string;
  registerCount: number;
  /** Grace period of the drain, as sent; "" until drained. */
  gracePeriod: string;
  /** Now + grace period at drain time (RFC 3339); "" until drained. */
  drainDeadline: string;
  drainedAt: string;
  deregisteredAt: string;
}

/** How many deregistered instances `/debug/services` remembers. */
const HISTORY_LIMIT = 100;

export function instanceKey(name: string, port: number): string {
  return `${name}:${port}`;
}

export class ServiceStore {
  readonly #held = new Map<string, LocalService>();
  #history: LocalService[] = [];

  /** Registers, or refreshes the same name+port (a draining instance becomes Registered again). */
  register(request: RegisterRequest, now: Date): LocalService {
    const key = instanceKey(request.name, request.port);
    const at = now.toISOString();
    const held = this.#held.get(key);
    const service: LocalService = held
      ? {
          ...held,
          request,
          state: "Registered",
          refreshedAt: at,
          registerCount: held.registerCount + 1,
          gracePeriod: "",
          drainDeadline: "",
          drainedAt: "",
        }
      : {
          instanceId: `${request.name}-${request.port}-${randomBytes(4).toString("hex")}`,
          name: request.name,
          port: request.port,
          state: "Registered",
          request,
          registeredAt: at,
          refreshedAt: at,
          registerCount: 1,
          gracePeriod: "",
          drainDeadline: "",
          drainedAt: "",
          deregisteredAt: "",
        };
    this.#held.set(key, service);
    return service;
  }

  /** Puts the instance into maintenance until now + grace; undefined when unknown. */
  drain(
    name: string,
    port: number,
    gracePeriod: string,
    graceMs: number,
    now: Date,
  ): LocalService | undefined {
    const key = instanceKey(name, port);
    const held = this.#held.get(key);
    if (!held) return undefined;
    const service: LocalService = {
      ...held,
      state: "Draining",
      gracePeriod,
      drainDeadline: new Date(now.getTime() + graceMs).toISOString(),
      drainedAt: now.toISOString(),
    };
    this.#held.set(key, service);
    return service;
  }

  /** Removes the instance; undefined when unknown. */
  deregister(name: string, port: number, now: Date): LocalService | undefined {
    const key = instanceKey(name, port);
    const held = this.#held.get(key);
    if (!held) return undefined;
    this.#held.delete(key);
    const service: LocalService = { ...held, state: "Deregistered", deregisteredAt: now.toISOString() };
    this.#history = [...this.#history, service].slice(-HISTORY_LIMIT);
    return service;
  }

  /** Instances held now (Registered or Draining). */
  held(): LocalService[] {
    return [...this.#held.values()];
  }

  /** Recently deregistered instances, oldest first. */
  deregistered(): LocalService[] {
    return [...this.#history];
  }

  /** A restarted agent has forgotten everything. */
  clear(): void {
    this.#held.clear();
    this.#history = [];
  }
}

/** The wire (snake_case) view of an instance, as the agent's answers and `/debug/services` show it. */
export function toWireService(service: LocalService): Record<string, unknown> {
  return {
    instance_id: service.instanceId,
    name: service.name,
    port: service.port,
    state: service.state,
    registered_at: service.registeredAt,
    refreshed_at: service.refreshedAt,
    register_count: service.registerCount,
    grace_period: service.gracePeriod,
    drain_deadline: service.drainDeadline,
    drained_at: service.drainedAt,
    deregistered_at: service.deregisteredAt,
    request: toWireRegister(service.request),
  };
}
