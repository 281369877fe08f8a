/**
 * `npm run bench`: every figure of issue 14's table for this library, each with its target and
 * the Go client's figure from the issue (a constant, labelled as such). The agent runs in a
 * process of its own; start, memory and the storm run in child processes on the compiled
 * library. Figures only: nothing here is asserted in a test.
 */
import { performance } from "node:perf_hooks";
import { startAgent } from "./agent-link.ts";
import { buildLibrary } from "./build.ts";
import { processFigures } from "./process-figures.ts";
import { GO_LABEL, summary } from "./report.ts";
import { stormFigures } from "./storm-figures.ts";
import { streamFigures } from "./stream-figures.ts";

const started = performance.now();
console.log(`sidecar-lifecycle bench, node ${process.version}; the Go figures are the issue's (${GO_LABEL})`);
console.log(
  "  … building the library for the child processes as it ships (scripts/build.mjs: esbuild bundle)",
);
const entry = buildLibrary();
const agent = await startAgent();
try {
  await streamFigures(agent);
  await processFigures(agent, entry);
  await stormFigures(agent, entry);
} finally {
  await agent.close();
}
summary();
console.log(`(bench ran ${((performance.now() - started) / 1000).toFixed(0)} s)`);
