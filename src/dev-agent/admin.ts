/**
 * register / drain / deregister as the agent answers them: decode the body, check the rules,
 * change the store. Returns the answer and a line for the agent's log; no HTTP here.
 */
import type { RegisterRequest } from "../../machines/types.ts";
import { registerRequestProblems } from "../agent/validate.ts";
import { DecodeError, decodeInstance, decodeRegister } from "./decode.ts";
import type { Answer } from "./http-io.ts";
import { gracePeriodOf, instanceProblems } from "./rules.ts";
import { instanceKey, type ServiceStore, toWireService } from "./store.ts";

export type AdminPath = "/register" | "/drain" | "/deregister";

export interface AdminOutcome {
  answer: Answer;
  /** What happened, for the agent's log. */
  note: string;
  /** The register request the agent accepted. */
  accepted?: RegisterRequest;
}

function refused(operation: string, status: number, error: string, code?: string): AdminOutcome {
  return { answer: { status, error, ...(code ? { code } : {}) }, note: `${operation} refused: ${error}` };
}

function notFound(operation: string, name: string, port: number): AdminOutcome {
  return refused(operation, 400, `local service not found: ${instanceKey(name, port)}`, "NOT_FOUND");
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DecodeError(`body is not valid JSON: ${(error as Error).message}`);
  }
}

function register(store: ServiceStore, body: unknown, now: Date): AdminOutcome {
  const request = decodeRegister(body);
  const [problem] = registerRequestProblems(request);
  if (problem) return refused("register", 400, problem);
  const service = store.register(request, now);
  const key = instanceKey(service.name, service.port);
  const note =
    service.registerCount === 1
      ? `register ${key} → Registered (instance ${service.instanceId})`
      : `register ${key} → Registered (idempotent refresh #${service.registerCount})`;
  return { answer: { status: 200, data: toWireService(service) }, note, accepted: request };
}

function drain(store: ServiceStore, body: unknown, now: Date): AdminOutcome {
  const { name, port, gracePeriod } = decodeInstance(body);
  const [problem] = instanceProblems(name, port);
  if (problem) return refused("drain", 400, problem);
  const grace = gracePeriodOf(gracePeriod);
  if ("problem" in grace) return refused("drain", 400, grace.problem);
  const service = store.drain(name, port, gracePeriod, grace.ms, now);
  if (!service) return notFound("drain", name, port);
  return {
    answer: { status: 200, data: toWireService(service) },
    note: `drain ${instanceKey(name, port)} → Draining (grace ${gracePeriod || "20s (default)"}, deadline ${service.drainDeadline})`,
  };
}

function deregister(store: ServiceStore, body: unknown, now: Date): AdminOutcome {
  const { name, port } = decodeInstance(body);
  const [problem] = instanceProblems(name, port);
  if (problem) return refused("deregister", 400, problem);
  const service = store.deregister(name, port, now);
  if (!service) return notFound("deregister", name, port);
  return {
    answer: { status: 200, data: toWireService(service) },
    note: `deregister ${instanceKey(name, port)} → Deregistered`,
  };
}

const OPERATIONS = { "/register": register, "/drain": drain, "/deregister": deregister };

/** Runs one admin call on its raw body text; bad JSON and wrong field types are 400s naming the problem. */
export function handleAdmin(store: ServiceStore, path: AdminPath, text: string, now: Date): AdminOutcome {
  const operation = path.slice(1);
  try {
    return OPERATIONS[path](store, parse(text), now);
  } catch (error) {
    if (error instanceof DecodeError)
      return refused(operation, 400, `invalid request body: ${error.message}`);
    throw error;
  }
}
