/** `npm run visualize:export`: writes visualizer/lifecycle.stately.ts and README's diagram from the chart. */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { readmePath, readmeWithDiagram, statelyFile, statelyPath } from "./generate.ts";

writeFileSync(statelyPath, statelyFile().source);
console.log(`wrote ${fileURLToPath(statelyPath)}`);

const readme = readFileSync(readmePath, "utf8");
const updated = readmeWithDiagram(readme);
if (updated !== readme) {
  writeFileSync(readmePath, updated);
  console.log(`updated the diagram in ${fileURLToPath(readmePath)}`);
}
