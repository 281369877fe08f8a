/** `sidecar-lifecycle agent`: the dev sidecar agent in the foreground until SIGINT/SIGTERM. */
import { parseArgs } from "node:util";
import { devAgentBanner } from "../dev-agent/banner.ts";
import { isLoopback } from "../dev-agent/options.ts";
import { startDevAgent } from "../dev-agent/server.ts";
import {
  asUsageError,
  clockStamp,
  firstInterrupt,
  integerFlag,
  parseCommandArgs,
  UsageError,
} from "./command.ts";

export const AGENT_HELP = `Usage: sidecar-lifecycle agent [options]

Runs a dev sidecar agent that speaks the agent's local admin protocol, contract v1 and v2 on
the same port (register, drain, deregister, /watch, /healthz, /readyz, /debug/services), in
memory: no Consul, no Envoy.
Web pages are refused (a foreign Host, any Origin, admin POSTs not sent as application/json).

Options:
  --host <address>        address to bind (default 127.0.0.1; non-loopback needs --allow-remote)
  --port <port>           port to listen on (default 15010; 0 picks a free one)
  --protocol <style>      /watch frames: structured (ids + JSON payloads, default) or legacy
                          (event: connected / data: ok, then ": heartbeat" comments)
  --heartbeat <ms>        heartbeat interval on /watch (default 5000)
  --envelope              wrap answers in {success, code, message, data, generated_at}
  --not-ready-for <ms>    start not ready (/readyz and /register answer 503 not_ready,
                          /watch frames say "starting") and become ready after that long
  --allow-remote          allow a non-loopback --host (the agent has no authentication)
  --quiet                 print only the banner, not each call
  -h, --help              show this help

Stops on SIGINT / SIGTERM. Exit codes: 0 stopped, 1 could not listen, 2 bad option.`;

function parse(argv: string[]) {
  const { values } = (() => {
    try {
      return parseArgs({
        args: argv,
        strict: true,
        allowPositionals: false,
        options: {
          host: { type: "string", default: "127.0.0.1" },
          port: { type: "string", default: "15010" },
          protocol: { type: "string", default: "structured" },
          heartbeat: { type: "string", default: "5000" },
          envelope: { type: "boolean", default: false },
          "not-ready-for": { type: "string" },
          "allow-remote": { type: "boolean", default: false },
          quiet: { type: "boolean", default: false },
          help: { type: "boolean", short: "h", default: false },
        },
      });
    } catch (error) {
      return asUsageError(error);
    }
  })();
  const problems: string[] = [];
  const port = integerFlag("port", values.port, 0, 65_535);
  const heartbeat = integerFlag("heartbeat", values.heartbeat, 1);
  if (typeof port === "string") problems.push(port);
  if (typeof heartbeat === "string") problems.push(heartbeat);
  const notReadyFor =
    values["not-ready-for"] === undefined ? 0 : integerFlag("not-ready-for", values["not-ready-for"], 1);
  if (typeof notReadyFor === "string") problems.push(notReadyFor);
  if (values.protocol !== "legacy" && values.protocol !== "structured") {
    problems.push(`--protocol must be "legacy" or "structured", got "${values.protocol}"`);
  }
  if (!isLoopback(values.host) && !values["allow-remote"]) {
    problems.push(
      `--host ${values.host} is not a loopback address: the dev agent has no authentication; add --allow-remote to bind it anyway`,
    );
  }
  if (problems.length > 0) throw new UsageError(problems);
  return {
    help: values.help,
    quiet: values.quiet,
    notReadyForMs: notReadyFor as number,
    options: {
      host: values.host,
      port: port as number,
      protocol: values.protocol as "legacy" | "structured",
      heartbeatMs: heartbeat as number,
      envelope: values.envelope,
      allowRemote: values["allow-remote"],
      ready: notReadyFor === 0,
    },
  };
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs("agent", AGENT_HELP, () => parse(argv));
  if (typeof parsed === "number") return parsed;
  const log = parsed.quiet ? undefined : (line: string) => process.stdout.write(`${clockStamp()}  ${line}\n`);
  let agent: Awaited<ReturnType<typeof startDevAgent>>;
  try {
    agent = await startDevAgent({ ...parsed.options, ...(log ? { log } : {}) });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const where = `${parsed.options.host}:${parsed.options.port}`;
    const reason =
      code === "EADDRINUSE"
        ? `${where} is already in use (another agent running?)`
        : error instanceof Error
          ? error.message
          : String(error);
    process.stderr.write(`sidecar-lifecycle agent: cannot start: ${reason}\n`);
    return 1;
  }
  process.stdout.write(`${devAgentBanner(agent, parsed.options.heartbeatMs, parsed.notReadyForMs)}\n`);
  const readyLater = parsed.notReadyForMs
    ? setTimeout(() => agent.setReady(true), parsed.notReadyForMs)
    : undefined;
  const signal = await firstInterrupt();
  clearTimeout(readyLater);
  process.stdout.write(`${clockStamp()}  ${signal}: stopping the dev agent\n`);
  await agent.close();
  return 0;
}
