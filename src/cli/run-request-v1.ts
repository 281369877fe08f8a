/**
 * A contract v1 run's register request, from `--registration <file>` and the flags (flags win),
 * with every problem the agent would refuse it for, each naming the flag that sets the field.
 */
import { basename } from "node:path";
import type { RegisterRequest } from "../../machines/types.ts";
import { registerRequestProblems } from "../agent/validate.ts";
import { DecodeError, decodeRegisterFields, type RegisterFields } from "../dev-agent/decode.ts";
import { integerFlag } from "./command.ts";
import { defined, fieldOf, RUN_DEFAULTS, type RunValues, readJSONFile, withFlag } from "./run-flags.ts";

/** Flag that sets each wire field. */
const FLAG_OF: Record<string, string> = {
  app_id: "--app-id",
  app_name: "--app-name",
  name: "--name",
  namespace: "--namespace",
  dns: "--dns",
  env: "--env",
  protocol: "--protocol",
  version: "--version",
  "kernel.language": "--kernel-language",
  "kernel.version": "--kernel-version",
  port: "--port",
  weight: "--weight",
  methods: "--method",
  method: "--method",
};

function fromFile(path: string, readFile: (path: string) => string, problems: string[]): RegisterFields {
  const json = readJSONFile("registration", path, readFile, problems);
  if (json === undefined) return {};
  try {
    return decodeRegisterFields(json);
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    problems.push(`--registration ${path}: ${error.message}`);
    return {};
  }
}

function fromFlags(values: RunValues, problems: string[]): RegisterFields {
  const fields: RegisterFields = defined({
    name: values.name,
    namespace: values.namespace,
    dns: values.dns,
    env: values.env,
    protocol: values.protocol,
    version: values.version,
    appId: values["app-id"],
    appName: values["app-name"],
    methods: values.method,
  });
  if (values.port !== undefined) {
    const port = integerFlag("port", values.port, 1, 65_535);
    if (typeof port === "string") problems.push(port);
    else fields.port = port;
  }
  if (values.weight !== undefined) {
    const weight = integerFlag("weight", values.weight, 1);
    if (typeof weight === "string") problems.push(weight);
    else fields.weight = weight;
  }
  const kernel = defined({ language: values["kernel-language"], version: values["kernel-version"] });
  if (Object.keys(kernel).length > 0) fields.kernel = kernel;
  return fields;
}

/** Defaults < file < flags; the fallbacks that depend on other fields come last. */
function merge(file: RegisterFields, flags: RegisterFields, command: string): RegisterRequest {
  const merged = { ...file, ...flags, kernel: { ...file.kernel, ...flags.kernel } };
  const name = merged.name ?? "";
  const namespace = merged.namespace ?? "default";
  return {
    appId: merged.appId ?? name,
    appName: merged.appName ?? name,
    name,
    namespace,
    port: merged.port ?? 0,
    dns: merged.dns ?? (name ? `${name}.${namespace}.svc.cluster.local` : ""),
    env: merged.env ?? RUN_DEFAULTS.env,
    weight: merged.weight ?? 100,
    protocol: merged.protocol ?? RUN_DEFAULTS.protocol,
    kernel: {
      language: merged.kernel.language ?? (command ? basename(command) : ""),
      version: merged.kernel.version ?? RUN_DEFAULTS.kernelVersion,
    },
    methods: merged.methods ?? [],
    version: merged.version ?? RUN_DEFAULTS.version,
  };
}

/** The register request of a v1 run; its problems are added to `problems`. */
export function runRequestV1(
  values: RunValues,
  command: string,
  readFile: (path: string) => string,
  problems: string[],
): RegisterRequest {
  const file = values.registration === undefined ? {} : fromFile(values.registration, readFile, problems);
  const flags = fromFlags(values, problems);
  const request = merge(file, flags, command);
  if (values.port === undefined && file.port === undefined) {
    problems.push("--port is required: the port the command listens on");
  }
  // A missing or malformed --port is reported above; the agent's port rule covers the rest.
  const portReported = values.port === undefined ? file.port === undefined : flags.port === undefined;
  // Fields defaulted from the name or the command repeat that root problem: report it once.
  const given = { ...file, ...flags, kernel: { ...file.kernel, ...flags.kernel } };
  const derived = new Set<string>();
  if (portReported) derived.add("port");
  if (request.name.trim() === "") {
    if (given.appId === undefined) derived.add("app_id");
    if (given.appName === undefined) derived.add("app_name");
    if (given.dns === undefined) derived.add("dns");
  }
  if (command === "" && given.kernel.language === undefined) derived.add("kernel.language");
  for (const problem of registerRequestProblems(request)) {
    if (!derived.has(fieldOf(problem))) problems.push(withFlag(problem, FLAG_OF));
  }
  return request;
}
