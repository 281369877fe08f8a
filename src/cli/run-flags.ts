/**
 * `sidecar-lifecycle run`'s flags: the table parseArgs reads, which contract each flag belongs to
 * (`--manifest` selects contract v2), the defaults both contracts share, and the helpers both
 * contracts' checks use.
 */
import type { parseArgs } from "node:util";
import { DefaultAdminBaseURL, DefaultRequestTimeout, DefaultShutdownTimeout } from "../defaults.ts";

export const RUN_OPTIONS = {
  // Both contracts.
  name: { type: "string" },
  port: { type: "string" },
  namespace: { type: "string" },
  env: { type: "string" },
  protocol: { type: "string" },
  version: { type: "string" },
  "app-id": { type: "string" },
  "app-name": { type: "string" },
  weight: { type: "string" },
  "kernel-language": { type: "string" },
  "kernel-version": { type: "string" },
  // Contract v1.
  registration: { type: "string" },
  method: { type: "string", multiple: true },
  dns: { type: "string" },
  // Contract v2.
  manifest: { type: "string" },
  "service-options": { type: "string" },
  "instance-id": { type: "string" },
  "service-port": { type: "string" },
  "service-type": { type: "string" },
  "cluster-domain": { type: "string" },
  "managed-port": { type: "string" },
  // The lifecycle.
  agent: { type: "string", default: DefaultAdminBaseURL },
  "grace-period": { type: "string", default: "20s" },
  "drain-delay": { type: "string" },
  "shutdown-timeout": { type: "string", default: String(DefaultShutdownTimeout) },
  "request-timeout": { type: "string", default: String(DefaultRequestTimeout) },
  quiet: { type: "boolean", default: false },
  "log-format": { type: "string", default: "text" },
  help: { type: "boolean", short: "h", default: false },
} as const;

export type RunValues = ReturnType<typeof parseArgs<{ options: typeof RUN_OPTIONS; strict: true }>>["values"];

/** The CLI's defaults where a field has none of its own, the same in both contracts. */
export const RUN_DEFAULTS = {
  env: "dev",
  protocol: "http",
  version: "v0.0.0",
  kernelVersion: "unknown",
} as const;

/** Contract v1's own flags, with what a v2 run takes instead. */
const V1_ONLY: Record<string, string> = {
  registration: "give the service's options with --service-options",
  method: "the methods come from the manifest",
  dns: "the dns is composed as <name>.<namespace>.<service type>.<cluster domain>",
};

/** Contract v2's own flags (`--manifest` itself is what makes a run v2). */
const V2_ONLY = [
  "service-options",
  "instance-id",
  "service-port",
  "service-type",
  "cluster-domain",
  "managed-port",
];

/** A flag of the other contract is refused: it would be ignored, which is worse than an error. */
export function contractProblems(values: RunValues, v2: boolean): string[] {
  const given = (flag: string) => (values as Record<string, unknown>)[flag] !== undefined;
  if (v2) {
    return Object.entries(V1_ONLY)
      .filter(([flag]) => given(flag))
      .map(([flag, instead]) => `--${flag} is a contract v1 flag; with --manifest (contract v2) ${instead}`);
  }
  return V2_ONLY.filter(given).map(
    (flag) =>
      `--${flag} is a contract v2 flag, and without --manifest this run speaks contract v1: add --manifest <gateway.manifest.json>, or leave --${flag} out`,
  );
}

/** A JSON file a flag names, parsed; undefined (with the problem, naming the flag and the file) when it cannot be. */
export function readJSONFile(
  flag: string,
  path: string,
  readFile: (path: string) => string,
  problems: string[],
): unknown {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    problems.push(`--${flag} ${path}: cannot read it: ${(error as Error).message}`);
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    problems.push(`--${flag} ${path}: not valid JSON: ${(error as Error).message}`);
    return undefined;
  }
}

/** The field a refusal names (`server_port is invalid: 0` → `server_port`), "" when none. */
export function fieldOf(problem: string): string {
  return /^([a-z_.]+)[\s[]/.exec(problem)?.[1] ?? "";
}

/** The problem with the flag that sets its field, so a refused registration names what to change. */
export function withFlag(problem: string, flagOf: Record<string, string>): string {
  const flag = flagOf[fieldOf(problem)];
  return flag ? `${problem} (${flag})` : problem;
}

/** An object of the entries that are set, so a spread never overwrites with undefined. */
export function defined<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}
