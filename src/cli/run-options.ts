/**
 * `sidecar-lifecycle run` arguments → a checked run configuration. Everything a bad flag or
 * registration can get wrong is found here, all at once, before anything starts.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import type { RegisterRequest } from "../../machines/types.ts";
import { registerRequestProblems } from "../agent/validate.ts";
import { DefaultAdminBaseURL, DefaultRequestTimeout, DefaultShutdownTimeout } from "../defaults.ts";
import { DecodeError, decodeRegisterFields, type RegisterFields } from "../dev-agent/decode.ts";
import { resolveOptions } from "../options.ts";
import { asUsageError, integerFlag, UsageError } from "./command.ts";

export const RUN_HELP = `Usage: sidecar-lifecycle run [options] -- <command> [args...]

Runs <command> bound to the host's sidecar agent: registers it once it accepts TCP connections
on --port, registers again every time the agent restarts, and on SIGTERM / SIGINT / SIGHUP
drains it, waits the drain delay, forwards the signal to the command (SIGTERM for SIGHUP), waits
for it to exit (SIGKILL at the shutdown deadline), then deregisters. If the command exits on its own it is deregistered.
The exit code is the command's (128 + signal number when a signal ended it).

Registration (flags override --registration; the default is shown in brackets):
  --registration <file>   a register request JSON (protocol.md field names: app_id, port, ...)
  --name <name>           service name (required)
  --port <port>           port the command listens on (required)
  --method <path>         a served method, e.g. /acme.auth.v1.AuthService/Login (repeatable; at
                          least one)
  --namespace <ns>        [default]
  --dns <name>            [<name>.<namespace>.svc.cluster.local]
  --env <env>             [dev]
  --protocol <protocol>   [http]
  --version <version>     service version [v0.0.0]
  --app-id <id>           [the name]
  --app-name <name>       [the name]
  --weight <n>            [100]
  --kernel-language <l>   [the command's name, e.g. node, python3]
  --kernel-version <v>    [unknown]

Lifecycle:
  --agent <url>           agent admin base URL [${DefaultAdminBaseURL}]
  --grace-period <d>      Go duration sent with drain, e.g. 300ms, 20s, 1m30s [20s]
  --drain-delay <ms>      wait after the drain before stopping the command [the grace period,
                          capped so the drain step fits its part of the shutdown budget]
  --shutdown-timeout <ms> deadline of the whole way out [${DefaultShutdownTimeout}], split: deregister
                          keeps the last quarter (or --request-timeout, if shorter), the command's
                          stop the quarter before it (SIGTERM at its start at the latest, SIGKILL at
                          its end), the drain step the rest (see README)
  --request-timeout <ms>  timeout of each register / drain / deregister call [${DefaultRequestTimeout}];
                          below --shutdown-timeout
  --quiet                 print only errors, not each state transition
  -h, --help              show this help

Exit codes: the command's; 2 bad flags or registration (nothing started); 127 command not found;
1 forced by a second signal (the command is killed; one deregister is still tried, for 500 ms).

Example:
  sidecar-lifecycle run --name api --port 8080 --method /health --grace-period 5s -- node server.js`;

export interface RunConfig {
  request: RegisterRequest;
  command: string;
  args: string[];
  baseURL: string;
  gracePeriod: string;
  drainDelay?: number;
  shutdownTimeout: number;
  requestTimeout: number;
  quiet: boolean;
}

/** Flag that sets each wire field, so a refused registration names what to change. */
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

function withFlag(problem: string): string {
  const field = /^([a-z_.]+) /.exec(problem)?.[1] ?? "";
  const flag = FLAG_OF[field];
  return flag ? `${problem} (${flag})` : problem;
}

const OPTIONS = {
  registration: { type: "string" },
  name: { type: "string" },
  port: { type: "string" },
  method: { type: "string", multiple: true },
  namespace: { type: "string" },
  dns: { type: "string" },
  env: { type: "string" },
  protocol: { type: "string" },
  version: { type: "string" },
  "app-id": { type: "string" },
  "app-name": { type: "string" },
  weight: { type: "string" },
  "kernel-language": { type: "string" },
  "kernel-version": { type: "string" },
  agent: { type: "string", default: DefaultAdminBaseURL },
  "grace-period": { type: "string", default: "20s" },
  "drain-delay": { type: "string" },
  "shutdown-timeout": { type: "string", default: String(DefaultShutdownTimeout) },
  "request-timeout": { type: "string", default: String(DefaultRequestTimeout) },
  quiet: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true }>>["values"];

function fromFile(path: string, readFile: (path: string) => string, problems: string[]): RegisterFields {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    problems.push(`--registration ${path}: cannot read it: ${(error as Error).message}`);
    return {};
  }
  try {
    return decodeRegisterFields(JSON.parse(text));
  } catch (error) {
    const reason =
      error instanceof DecodeError ? error.message : `not valid JSON: ${(error as Error).message}`;
    problems.push(`--registration ${path}: ${reason}`);
    return {};
  }
}

function fromFlags(values: Values, problems: string[]): RegisterFields {
  const fields: RegisterFields = {};
  const text = {
    name: values.name,
    namespace: values.namespace,
    dns: values.dns,
    env: values.env,
    protocol: values.protocol,
    version: values.version,
    appId: values["app-id"],
    appName: values["app-name"],
  };
  for (const [key, value] of Object.entries(text)) {
    if (value !== undefined) (fields as Record<string, unknown>)[key] = value;
  }
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
  if (values.method !== undefined) fields.methods = values.method;
  const kernel = { language: values["kernel-language"], version: values["kernel-version"] };
  if (kernel.language !== undefined || kernel.version !== undefined) {
    fields.kernel = Object.fromEntries(Object.entries(kernel).filter(([, value]) => value !== undefined));
  }
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
    env: merged.env ?? "dev",
    weight: merged.weight ?? 100,
    protocol: merged.protocol ?? "http",
    kernel: {
      language: merged.kernel.language ?? (command ? basename(command) : ""),
      version: merged.kernel.version ?? "unknown",
    },
    methods: merged.methods ?? [],
    version: merged.version ?? "v0.0.0",
  };
}

/** Which flag sets each lifecycle option, so a budget that cannot fit names what to change. */
const OPTION_FLAG: Record<string, string> = {
  requestTimeout: "--request-timeout",
  shutdownTimeout: "--shutdown-timeout",
  drainDelay: "--drain-delay",
  gracePeriod: "--grace-period",
};

function lifecycleProblems(values: Values, problems: string[]) {
  const shutdownTimeout = integerFlag("shutdown-timeout", values["shutdown-timeout"], 1);
  const requestTimeout = integerFlag("request-timeout", values["request-timeout"], 1);
  const drainDelay =
    values["drain-delay"] === undefined ? undefined : integerFlag("drain-delay", values["drain-delay"], 0);
  for (const value of [shutdownTimeout, requestTimeout, drainDelay]) {
    if (typeof value === "string") problems.push(value);
  }
  let url: URL | undefined;
  try {
    url = new URL(values.agent);
  } catch {
    problems.push(`--agent must be a URL like ${DefaultAdminBaseURL}, got "${values.agent}"`);
  }
  if (url && url.protocol !== "http:") problems.push(`--agent must be an http:// URL, got "${values.agent}"`);
  // The admin paths (/register, /watch...) are appended to it.
  if (url && (url.search || url.hash)) {
    problems.push(`--agent must not carry a query or fragment, got "${values.agent}"`);
  }
  if (
    typeof shutdownTimeout === "number" &&
    typeof requestTimeout === "number" &&
    typeof drainDelay !== "string"
  ) {
    try {
      resolveOptions({ gracePeriod: values["grace-period"], shutdownTimeout, requestTimeout, drainDelay });
    } catch (error) {
      const message = (error as Error).message;
      const option = /^(\w+)/.exec(message)?.[1] ?? "";
      // "drainDelay (…) does not fit" names drainDelay; "requestTimeout (…) must be below" requestTimeout.
      problems.push(`${OPTION_FLAG[option] ?? "--grace-period"}: ${message}`);
    }
  }
  return {
    shutdownTimeout: shutdownTimeout as number,
    requestTimeout: requestTimeout as number,
    drainDelay: drainDelay as number | undefined,
  };
}

export type ParsedRun = { help: true } | ({ help: false } & RunConfig);

/** Parses and checks everything; throws a UsageError listing every problem. */
export function parseRunArgs(
  argv: string[],
  readFile = (path: string) => readFileSync(path, "utf8"),
): ParsedRun {
  const split = argv.indexOf("--");
  const own = split === -1 ? argv : argv.slice(0, split);
  const [command = "", ...args] = split === -1 ? [] : argv.slice(split + 1);
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: own, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    return asUsageError(error);
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };

  const problems: string[] = [];
  if (positionals.length > 0) {
    problems.push(`unexpected argument "${positionals[0]}": the command goes after --`);
  } else if (command === "") {
    problems.push("no command given: put it after --, e.g. -- node server.js");
  }
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
  if (request.name.trim() === "") {
    if (given.appId === undefined) derived.add("app_id");
    if (given.appName === undefined) derived.add("app_name");
    if (given.dns === undefined) derived.add("dns");
  }
  if (command === "" && given.kernel.language === undefined) derived.add("kernel.language");
  for (const problem of registerRequestProblems(request)) {
    if (portReported && problem.startsWith("port ")) continue;
    if (derived.has(problem.split(" ")[0] as string)) continue;
    problems.push(withFlag(problem));
  }
  const lifecycle = lifecycleProblems(values, problems);
  if (problems.length > 0) throw new UsageError(problems);
  return {
    help: false,
    request,
    command,
    args,
    baseURL: values.agent,
    gracePeriod: values["grace-period"],
    ...(lifecycle.drainDelay === undefined ? {} : { drainDelay: lifecycle.drainDelay }),
    shutdownTimeout: lifecycle.shutdownTimeout,
    requestTimeout: lifecycle.requestTimeout,
    quiet: values.quiet,
  };
}
