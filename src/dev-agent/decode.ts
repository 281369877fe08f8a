/**
 * Wire JSON → typed requests, as Go's `json.Unmarshal` reads them into the agent's structs:
 * unknown fields are ignored, absent or null fields stay unset, and a field of the wrong type is
 * an error naming the field. Only what is present is returned, so callers choose the fallbacks
 * (the agent: Go zero values; the CLI: its defaults).
 */
import type { KernelInfo, RegisterRequest } from "../../machines/types.ts";
import { DecodeError } from "../agent/decode-error.ts";

export { DecodeError };

type JSONObject = Record<string, unknown>;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function asObject(value: unknown, path: string): JSONObject {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new DecodeError(
      path ? `field "${path}" must be an object, got ${describe(value)}` : "expected a JSON object",
    );
  }
  return value as JSONObject;
}

function present(object: JSONObject, key: string): boolean {
  return object[key] !== undefined && object[key] !== null;
}

function readString(object: JSONObject, key: string, path = key): string {
  const value = object[key];
  if (typeof value !== "string") {
    throw new DecodeError(`field "${path}" must be a string, got ${describe(value)}`);
  }
  return value;
}

function readInteger(object: JSONObject, key: string): number {
  const value = object[key];
  if (typeof value !== "number") {
    throw new DecodeError(`field "${key}" must be a number, got ${describe(value)}`);
  }
  if (!Number.isSafeInteger(value)) throw new DecodeError(`field "${key}" must be an integer, got ${value}`);
  return value;
}

function readStrings(object: JSONObject, key: string): string[] {
  const value = object[key];
  if (!Array.isArray(value)) throw new DecodeError(`field "${key}" must be an array, got ${describe(value)}`);
  return value.map((item, index) => {
    if (typeof item !== "string") {
      throw new DecodeError(`field "${key}[${index}]" must be a string, got ${describe(item)}`);
    }
    return item;
  });
}

/** The fields of a register request that the body carries. */
export interface RegisterFields extends Partial<Omit<RegisterRequest, "kernel">> {
  kernel?: Partial<KernelInfo>;
}

const REGISTER_TEXT: ReadonlyArray<readonly [keyof RegisterFields, string]> = [
  ["appId", "app_id"],
  ["appName", "app_name"],
  ["name", "name"],
  ["namespace", "namespace"],
  ["dns", "dns"],
  ["env", "env"],
  ["protocol", "protocol"],
  ["version", "version"],
];

export function decodeRegisterFields(body: unknown): RegisterFields {
  const object = asObject(body, "");
  const fields: Record<string, unknown> = {};
  for (const [key, wire] of REGISTER_TEXT) {
    if (present(object, wire)) fields[key] = readString(object, wire);
  }
  if (present(object, "port")) fields.port = readInteger(object, "port");
  if (present(object, "weight")) fields.weight = readInteger(object, "weight");
  if (present(object, "methods")) fields.methods = readStrings(object, "methods");
  if (present(object, "kernel")) {
    const kernel = asObject(object.kernel, "kernel");
    const info: Partial<KernelInfo> = {};
    if (present(kernel, "language")) info.language = readString(kernel, "language", "kernel.language");
    if (present(kernel, "version")) info.version = readString(kernel, "version", "kernel.version");
    fields.kernel = info;
  }
  return fields as RegisterFields;
}

/** A register body as the agent reads it: what is absent is Go's zero value. */
export function decodeRegister(body: unknown): RegisterRequest {
  const fields = decodeRegisterFields(body);
  return {
    appId: fields.appId ?? "",
    appName: fields.appName ?? "",
    name: fields.name ?? "",
    namespace: fields.namespace ?? "",
    port: fields.port ?? 0,
    dns: fields.dns ?? "",
    env: fields.env ?? "",
    weight: fields.weight ?? 0,
    protocol: fields.protocol ?? "",
    kernel: { language: fields.kernel?.language ?? "", version: fields.kernel?.version ?? "" },
    methods: fields.methods ?? [],
    version: fields.version ?? "",
  };
}

export interface InstanceBody {
  name: string;
  port: number;
  /** Drain only; "" when absent. */
  gracePeriod: string;
}

/** A drain or deregister body: `{name, port}` (+ `grace_period` for drain). */
export function decodeInstance(body: unknown): InstanceBody {
  const object = asObject(body, "");
  return {
    name: present(object, "name") ? readString(object, "name") : "",
    port: present(object, "port") ? readInteger(object, "port") : 0,
    gracePeriod: present(object, "grace_period") ? readString(object, "grace_period") : "",
  };
}
