/**
 * The library as a service runs it: compiled JavaScript under plain `node`, so the start and
 * memory figures carry no TypeScript loader (and the floor script runs the same way). Built with
 * the project's tsconfig.build.json into node_modules/.cache (dist/ is left alone), from where
 * the dependencies resolve as they do for dist/.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = `${root}node_modules/.cache/sidecar-lifecycle-bench`;

/** Compiles machines/ and src/; returns the path of the compiled main entry. */
export function buildLibrary(): string {
  const tsc = `${root}node_modules/typescript/bin/tsc`;
  const flags = [
    "--outDir",
    outDir,
    "--declaration",
    "false",
    "--sourceMap",
    "false",
    "--inlineSources",
    "false",
  ];
  try {
    execFileSync(process.execPath, [tsc, "-p", `${root}tsconfig.build.json`, ...flags], { stdio: "pipe" });
  } catch (error) {
    // tsc still emits on type errors (someone's work in progress): measure that, but say so.
    const output = (error as { stdout?: Buffer }).stdout?.toString() ?? String(error);
    console.log(
      `bench: tsc reported errors; measuring what it emitted:\n${output.split("\n").slice(0, 5).join("\n")}`,
    );
  }
  return `${outDir}/src/index.js`;
}
