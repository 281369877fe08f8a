/** `npm start`: runs the demo; exit 0 when the whole lifecycle played out, 1 (one line, no stack) if not. */
import { parseArgs } from "node:util";
import { startDemoInspector } from "./inspect.ts";
import { type DemoContract, runDemo } from "./run-demo.ts";

const HELP = `Usage: npm start [-- options]

Starts an embedded dev agent and an example service bound to it, and shows the whole lifecycle:
connecting → connected → registered, an agent restart and the replay, then SIGTERM:
draining → deregistered, and the agent's final view.

Options:
  --contract <v1|v2>  the agent contract the greeter speaks [v1]: v1 registers a flat request,
                      drained and deregistered by name + port; v2 a ServiceNode built from
                      examples/proto/gateway.manifest.json, drained and deregistered by
                      app id + instance id
  --inspect           serve the live inspector page, stream the demo to it, keep it up afterwards
  -h, --help          show this help`;

const CONTRACTS: readonly string[] = ["v1", "v2"] satisfies DemoContract[];

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      help: { type: "boolean", short: "h", default: false },
      inspect: { type: "boolean", default: false },
      contract: { type: "string", default: "v1" },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (!CONTRACTS.includes(values.contract)) {
    process.stderr.write(`demo: --contract must be v1 or v2, got "${values.contract}"\n`);
    return 2;
  }
  const inspector = values.inspect ? await startDemoInspector() : undefined;
  await runDemo({ ...inspector?.demo, contract: values.contract as DemoContract });
  await inspector?.holdOpen();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
