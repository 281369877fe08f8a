/**
 * register / drain / deregister as the agent answers them, in both contracts: the body's shape
 * chooses (`isV2Body`), then decode, check the rules, change the store. Returns the answer and a
 * line for the agent's log; no HTTP here.
 */
import type { RegisterRequest } from "../../machines/types.ts";
import { registerRequestProblems } from "../agent/validate.ts";
import { serviceNodeProblems } from "../v2/service-node.ts";
import type { ServiceNode } from "../v2/types.ts";
import { decodeWireDeregister, decodeWireDrain, decodeWireNode, isV2Body } from "../v2/wire.ts";
import { DecodeError, decodeInstance, decodeRegister } from "./decode.ts";
import type { Answer } from "./http-io.ts";
import { gracePeriodOf, instanceProblems, v2InstanceProblems } from "./rules.ts";
import {
  type InstanceRef,
  instanceKey,
  type LocalService,
  type ServiceStore,
  toWireService,
  v2InstanceKey,
} from "./store.ts";

export type AdminPath = "/register" | "/drain" | "/deregister";

export interface AdminOutcome {
  answer: Answer;
  /** What happened, for the agent's log. */
  note: string;
  /** The v1 register request the agent accepted. */
  accepted?: RegisterRequest;
  /** The v2 node the agent accepted. */
  acceptedNode?: ServiceNode;
}

/** `operation` is how the log names the call: `register`, `drain v2` … */
function refused(operation: string, status: number, error: string, code?: string): AdminOutcome {
  return { answer: { status, error, ...(code ? { code } : {}) }, note: `${operation} refused: ${error}` };
}

function ok(service: LocalService, note: string): AdminOutcome {
  return { answer: { status: 200, data: toWireService(service) }, note };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DecodeError(`body is not valid JSON: ${(error as Error).message}`);
  }
}

function refreshNote(service: LocalService): string {
  return service.registerCount === 1
    ? `instance ${service.instanceId}`
    : `idempotent refresh #${service.registerCount}`;
}

/** A drain or deregister, once the body is read: the same steps and texts in both contracts. */
function drainOrDeregister(
  store: ServiceStore,
  operation: "drain" | "deregister",
  label: string,
  ref: InstanceRef,
  problems: string[],
  gracePeriod: string,
  now: Date,
): AdminOutcome {
  const [problem] = problems;
  if (problem) return refused(label, 400, problem);
  const key =
    ref.contract === "v1" ? instanceKey(ref.name, ref.port) : v2InstanceKey(ref.appId, ref.instanceId);
  const notFound = () => refused(label, 400, `local service not found: ${key}`, "NOT_FOUND");
  const shown = ref.contract === "v1" ? key : `${ref.contract} ${key}`;
  if (operation === "deregister") {
    const service = store.deregister(ref, now);
    return service ? ok(service, `deregister ${shown} → Deregistered`) : notFound();
  }
  const grace = gracePeriodOf(gracePeriod);
  if ("problem" in grace) return refused(label, 400, grace.problem);
  const service = store.drain(ref, gracePeriod, grace.ms, now);
  if (!service) return notFound();
  return ok(
    service,
    `drain ${shown} → Draining (grace ${gracePeriod || "20s (default)"}, deadline ${service.drainDeadline})`,
  );
}

const V1 = {
  register(store: ServiceStore, body: unknown, now: Date): AdminOutcome {
    const request = decodeRegister(body);
    const [problem] = registerRequestProblems(request);
    if (problem) return refused("register", 400, problem);
    const service = store.register(request, now);
    const note = `register ${instanceKey(service.name, service.port)} → Registered (${refreshNote(service)})`;
    return { ...ok(service, note), accepted: request };
  },
  drain(store: ServiceStore, body: unknown, now: Date): AdminOutcome {
    const { name, port, gracePeriod } = decodeInstance(body);
    const ref = { contract: "v1", name, port } as const;
    return drainOrDeregister(store, "drain", "drain", ref, instanceProblems(name, port), gracePeriod, now);
  },
  deregister(store: ServiceStore, body: unknown, now: Date): AdminOutcome {
    const { name, port } = decodeInstance(body);
    const ref = { contract: "v1", name, port } as const;
    return drainOrDeregister(store, "deregister", "deregister", ref, instanceProblems(name, port), "", now);
  },
};

const V2 = {
  register(store: ServiceStore, body: unknown, now: Date): AdminOutcome {
    const node = decodeWireNode(body);
    const [problem] = serviceNodeProblems(node);
    if (problem) return refused("register v2", 400, problem);
    const service = store.registerNode(node, now);
    const key = v2InstanceKey(service.appId, service.instanceId);
    const note = `register v2 ${key} (${service.name}, server_port ${service.port}) → Registered${
      service.registerCount === 1 ? "" : ` (${refreshNote(service)})`
    }`;
    return { ...ok(service, note), acceptedNode: node };
  },
  drain(store: ServiceStore, body: unknown, now: Date): AdminOutcome {
    const { appId, appInstanceId, gracePeriod } = decodeWireDrain(body);
    const ref = { contract: "v2", appId, instanceId: appInstanceId } as const;
    const problems = v2InstanceProblems(appId, appInstanceId);
    return drainOrDeregister(store, "drain", "drain v2", ref, problems, gracePeriod, now);
  },
  deregister(store: ServiceStore, body: unknown, now: Date): AdminOutcome {
    const { appId, appInstanceId } = decodeWireDeregister(body);
    const ref = { contract: "v2", appId, instanceId: appInstanceId } as const;
    const problems = v2InstanceProblems(appId, appInstanceId);
    return drainOrDeregister(store, "deregister", "deregister v2", ref, problems, "", now);
  },
};

/**
 * Whether the call speaks v2. isV2Body reads a body with `app_id` and no `name` as a v2 drain or
 * deregister; as a register it is a v1 body missing `name` (a v2 register always carries `app`),
 * and the agent's answer to it is `name is required`.
 */
function speaksV2(operation: keyof typeof V1, body: unknown): boolean {
  if (!isV2Body(body)) return false;
  if (operation !== "register") return true;
  return Object.entries(body as object).some(
    ([key, value]) =>
      key.toLowerCase() === "app" && typeof value === "object" && value !== null && !Array.isArray(value),
  );
}

/**
 * Runs one admin call on its raw body text, in the contract the body speaks; bad JSON and wrong
 * field types are 400s naming the problem.
 */
export function handleAdmin(store: ServiceStore, path: AdminPath, text: string, now: Date): AdminOutcome {
  const operation = path.slice(1) as "register" | "drain" | "deregister";
  let label = operation as string;
  try {
    const body = parse(text);
    if (!speaksV2(operation, body)) return V1[operation](store, body, now);
    label = `${operation} v2`;
    return V2[operation](store, body, now);
  } catch (error) {
    if (error instanceof DecodeError) return refused(label, 400, `invalid request body: ${error.message}`);
    throw error;
  }
}
