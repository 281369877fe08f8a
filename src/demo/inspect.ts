/** `npm start -- --inspect`: the demo streams to a live inspector page that stays up after it. */
import { firstInterrupt } from "../cli/command.ts";
import { connectInspector } from "../inspector/connect.ts";
import { DefaultInspectorPort, type InspectorServer, startInspectorServer } from "../inspector/server.ts";
import type { DemoOptions } from "./run-demo.ts";

export interface DemoInspector {
  /** What runDemo takes: the `inspect` observer and a note with the page's address. */
  demo: DemoOptions;
  /** Keeps the page up (the whole path is in its log) until SIGINT/SIGTERM. */
  holdOpen(write?: (line: string) => void): Promise<void>;
}

async function listen(): Promise<InspectorServer> {
  try {
    return await startInspectorServer({ port: DefaultInspectorPort });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    return startInspectorServer({ port: 0 });
  }
}

export async function startDemoInspector(): Promise<DemoInspector> {
  const server = await listen();
  const inspector = connectInspector(server.wsURL, (message) =>
    process.stderr.write(`inspector: ${message}\n`),
  );
  return {
    demo: {
      lifecycle: { inspect: inspector.inspect },
      notes: [`live inspector: ${server.url}  (the chart, the current state, every transition)`],
    },
    async holdOpen(write = (line) => process.stdout.write(`${line}\n`)) {
      write("");
      write(`The inspector stays up at ${server.url} with the demo's whole path; Ctrl-C to stop.`);
      await firstInterrupt();
      await server.close();
    },
  };
}
