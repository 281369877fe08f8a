/**
 * `sidecar-lifecycle run` arguments → a checked run configuration, for either contract. Everything
 * a bad flag, file, manifest or registration can get wrong is found here, all at once, before
 * anything starts.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { RegisterRequest } from "../../machines/types.ts";
import { DefaultAdminBaseURL, DefaultRequestTimeout, DefaultShutdownTimeout } from "../defaults.ts";
import { resolveOptions } from "../options.ts";
import type { ServiceNode } from "../v2/types.ts";
import { LOG_FORMATS, type LogFormat } from "./cli-logger.ts";
import { asUsageError, integerFlag, UsageError } from "./command.ts";
import { contractProblems, RUN_OPTIONS, type RunValues } from "./run-flags.ts";
import { runNodeV2 } from "./run-node-v2.ts";
import { runRequestV1 } from "./run-request-v1.ts";

export const RUN_HELP = `Usage: sidecar-lifecycle run [options] -- <command> [args...]

Runs <command> bound to the host's sidecar agent: registers it once it accepts TCP connections
on --port, registers again every time the agent restarts, and on SIGTERM / SIGINT / SIGHUP
drains it, waits the drain delay, forwards the signal to the command (SIGTERM for SIGHUP), waits
for it to exit (SIGKILL at the shutdown deadline), then deregisters. If the command exits on its own it is deregistered.
The exit code is the command's (128 + signal number when a signal ended it).

Which contract: --manifest makes the run speak contract v2 (today's agent: the register body is a
ServiceNode built from the service's options and its gateway manifest; drain and deregister name
app id + instance id); without it, contract v1 (the spring-2026 agent: a flat register request;
drain and deregister name name + port). A flag of the other contract is refused.

Both contracts (flags override the file; the default is shown in brackets):
  --name <name>           service name (required; v2: service.name)
  --port <port>           port the command listens on, probed for readiness (required; v2: server_port)
  --app-id <id>           [the name]
  --app-name <name>       [the name]
  --env <env>             [dev]
  --version <version>     service version [v0.0.0]
  --protocol <protocol>   [http]
  --namespace <ns>        [default]
  --weight <n>            [100]
  --kernel-language <l>   [the command's name, e.g. node, python3]
  --kernel-version <v>    [unknown]

Contract v1:
  --registration <file>   a register request JSON (protocol.md field names: app_id, port, ...)
  --method <path>         a served method, e.g. /acme.auth.v1.AuthService/Login (repeatable; at
                          least one)
  --dns <name>            [<name>.<namespace>.svc.cluster.local]

Contract v2 (the dns is <name>.<namespace>.<service type>.<cluster domain>):
  --manifest <file>       the gateway manifest, the only source of the methods and HTTP routes
                          (the Go client reads dep/protobuf/gen/gateway.manifest.json)
  --service-options <file> the service's options JSON (protocol.md field names: app.id,
                          service.name, server_port, ...)
  --instance-id <id>      app.instance_id [a new UUIDv7 every run]
  --service-port <port>   service.port, the port callers dial in the mesh [9090]
  --service-type <type>   service.type [svc]
  --cluster-domain <d>    service.cluster_domain [cluster.local]
  --managed-port <port>   managed_port, the command's management port [0: none]

Lifecycle:
  --agent <url>           agent admin base URL [${DefaultAdminBaseURL}] (today's agent: port 18600)
  --grace-period <d>      Go duration sent with drain, e.g. 300ms, 20s, 1m30s [20s]
  --drain-delay <ms>      wait after the drain before stopping the command [the grace period,
                          capped so the drain step fits its part of the shutdown budget]
  --shutdown-timeout <ms> deadline of the whole way out [${DefaultShutdownTimeout}], split: deregister
                          keeps the last quarter (or --request-timeout, if shorter), the command's
                          stop the quarter before it (SIGTERM at its start at the latest, SIGKILL at
                          its end), the drain step the rest (see README)
  --request-timeout <ms>  timeout of each register / drain / deregister call [${DefaultRequestTimeout}];
                          below --shutdown-timeout
  --quiet                 print only warnings and errors, not each state transition
  --log-format <f>        text: one line each; json: one JSON object per line (level, time, msg,
                          event, state, instance, agent, kind, attempts...) [text]. Either way an
                          unreachable agent is one line, a summary 10 s, 30 s and 60 s into the
                          outage then every 60 s, and one line when it is back
  -h, --help              show this help

Exit codes: the command's; 2 bad flags, file, manifest or registration (nothing started); 127
command not found; 1 forced by a second signal (the command is killed; one deregister is still
tried, for 500 ms), or a fault of run's own (after the way out).

Examples:
  sidecar-lifecycle run --name api --port 8080 --method /health --grace-period 5s -- node server.js
  sidecar-lifecycle run --manifest dep/protobuf/gen/gateway.manifest.json --app-id 10001 \
    --name auth --port 9090 --env prod --version v1.0.0 --protocol grpc \
    --agent http://127.0.0.1:18600 -- ./auth-server
  sidecar-lifecycle run --manifest gateway.manifest.json --service-options auth.json -- ./auth-server`;

export interface RunConfig {
  /** A v1 RegisterRequest or a v2 ServiceNode: the lifecycle speaks the contract of what it is given. */
  request: RegisterRequest | ServiceNode;
  command: string;
  args: string[];
  baseURL: string;
  gracePeriod: string;
  drainDelay?: number;
  shutdownTimeout: number;
  requestTimeout: number;
  quiet: boolean;
  logFormat: LogFormat;
}

/** Which flag sets each lifecycle option, so a budget that cannot fit names what to change. */
const OPTION_FLAG: Record<string, string> = {
  requestTimeout: "--request-timeout",
  shutdownTimeout: "--shutdown-timeout",
  drainDelay: "--drain-delay",
  gracePeriod: "--grace-period",
};

function lifecycleProblems(values: RunValues, problems: string[]) {
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

/**
 * Parses and checks everything (reading `--registration`, `--service-options` with `readFile` and
 * the manifest from its file); rejects with a UsageError listing every problem.
 */
export async function parseRunArgs(
  argv: string[],
  readFile = (path: string) => readFileSync(path, "utf8"),
): Promise<ParsedRun> {
  const split = argv.indexOf("--");
  const own = split === -1 ? argv : argv.slice(0, split);
  const [command = "", ...args] = split === -1 ? [] : argv.slice(split + 1);
  let parsed: { values: RunValues; positionals: string[] };
  try {
    parsed = parseArgs({ args: own, options: RUN_OPTIONS, strict: true, allowPositionals: true });
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
  const v2 = values.manifest !== undefined;
  problems.push(...contractProblems(values, v2));
  const request = v2
    ? await runNodeV2(values, command, readFile, problems)
    : runRequestV1(values, command, readFile, problems);
  const lifecycle = lifecycleProblems(values, problems);
  const logFormat = values["log-format"] as LogFormat;
  if (!LOG_FORMATS.includes(logFormat)) {
    problems.push(`--log-format must be ${LOG_FORMATS.join(" or ")}, got "${values["log-format"]}"`);
  }
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
    logFormat,
  };
}
