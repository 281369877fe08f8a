/** `npm run visualize:export`: writes visualizer/lifecycle.stately.json from the chart. */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { exportPath, lifecycleDefinitionJSON } from "./definition.ts";

writeFileSync(exportPath, lifecycleDefinitionJSON());
console.log(`wrote ${fileURLToPath(exportPath)}`);
