/** `sidecar-lifecycle inspect [--port N]`: serves the live inspector on 127.0.0.1 until interrupted. */
import { once } from "node:events";
import { parseArgs } from "node:util";
import { firstInterrupt } from "../cli/command.ts";
import { DefaultInspectorPort, startInspectorServer } from "./server.ts";

/** SIDECAR_LIFECYCLE_INSPECT streams through @statelyai/inspect, which sidecar-lifecycle does not install. */
const peerNote =
  "The service needs the optional peer @statelyai/inspect installed (npm install @statelyai/inspect).";

export const inspectUsage = `usage: sidecar-lifecycle inspect [--port ${DefaultInspectorPort}]

Serves, on 127.0.0.1 only, a page that draws the lifecycle chart and follows running services live.
Point a service at it with SIDECAR_LIFECYCLE_INSPECT=ws://127.0.0.1:${DefaultInspectorPort}
(or createLifecycle(request, { inspect })). ${peerNote}`;

export interface InspectCommandIO {
  /** Stops the server; default: the first SIGINT or SIGTERM. */
  signal?: AbortSignal;
  out?: (line: string) => void;
}

function portOf(value: string | undefined): number {
  if (value === undefined) return DefaultInspectorPort;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`--port must be an integer from 0 to 65535, got "${value}"`);
  }
  return port;
}

/** Runs the inspector; resolves with the exit code once it is stopped. Bad flags throw. */
export async function runInspectCommand(argv: string[], io: InspectCommandIO = {}): Promise<number> {
  const out = io.out ?? ((line: string) => console.log(line));
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    out(inspectUsage);
    return 0;
  }
  const port = portOf(values.port);
  const server = await startInspectorServer({ port });
  out(`inspector: ${server.url}`);
  out(`services: SIDECAR_LIFECYCLE_INSPECT=${server.wsURL}`);
  out(peerNote);

  const { signal } = io;
  if (signal === undefined) await firstInterrupt();
  else if (!signal.aborted) await once(signal, "abort");
  await server.close();
  return 0;
}

/** The `sidecar-lifecycle inspect` entry of the CLI: bad flags print what is wrong and exit 2. */
export async function main(argv: string[]): Promise<number> {
  try {
    return await runInspectCommand(argv);
  } catch (error) {
    const usage =
      error instanceof RangeError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    if (!usage) throw error;
    process.stderr.write(`sidecar-lifecycle inspect: ${(error as Error).message}\n\n${inspectUsage}\n`);
    return 2;
  }
}
