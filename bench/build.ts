/**
 * The library as a service runs it: the package's own bundle (scripts/build.mjs, the esbuild build
 * `npm run build` ships in dist/) under plain `node`, so the start and memory figures carry no
 * TypeScript loader and count the modules a user's process loads (and the floor script runs the
 * same way). Bundled into node_modules/.cache (dist/ is left alone), from where the dependencies
 * resolve as they do for dist/.
 */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = `${root}node_modules/.cache/sidecar-lifecycle-bench`;

/**
 * Bundles the package's entries as `npm run build` does; returns the path of the bundled main
 * entry. esbuild does not type-check: someone's work in progress with type errors is measured
 * as it stands; a syntax error fails the bench.
 */
export function buildLibrary(): string {
  rmSync(outDir, { recursive: true, force: true });
  execFileSync(process.execPath, [`${root}scripts/build.mjs`, outDir], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  return `${outDir}/src/index.js`;
}
