/** `npm start`: runs the demo; exit 0 when the whole lifecycle played out, 1 (one line, no stack) if not. */
import { parseArgs } from "node:util";
import { startDemoInspector } from "./inspect.ts";
import { runDemo } from "./run-demo.ts";

const HELP = `Usage: npm start [-- options]

Starts an embedded dev agent and an example service bound to it, and shows the whole lifecycle:
connecting → connected → registered, an agent restart and the replay, then SIGTERM:
draining → deregistered, and the agent's final view.

Options:
  --inspect    serve the live inspector page, stream the demo to it, keep it up afterwards
  -h, --help   show this help`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      help: { type: "boolean", short: "h", default: false },
      inspect: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const inspector = values.inspect ? await startDemoInspector() : undefined;
  await runDemo(inspector?.demo);
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
