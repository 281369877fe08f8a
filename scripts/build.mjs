#!/usr/bin/env node
/**
 * The package's JavaScript: one esbuild bundle of every entry of package.json (`exports` and `bin`),
 * with code splitting, so each entry is a file at the path `exports` names and the code entries
 * share sits once in chunks/ (one copy of each class across entries: `instanceof` holds between
 * `sidecar-lifecycle` and `sidecar-lifecycle/v2`). A service's `import "sidecar-lifecycle"` then
 * loads a few modules instead of one per source file. Dependencies stay external (`import` of the
 * package, resolved from node_modules as before); lazy `import("./x.ts")`s become chunks loaded on
 * demand. The `.d.ts` files come from tsc (tsconfig.build.json, emitDeclarationOnly).
 *
 * Used by `npm run build` (into dist/) and by the bench (bench/build.ts, into its cache dir), so
 * the bench measures what ships. Run: node scripts/build.mjs [outdir], default dist.
 */
import { chmodSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * Every entry the package exposes, read from package.json (`exports` and `bin`): each lands at
 * dist/<the source's path>.js, so a source of `./dist/src/index.js` is `src/index.ts`.
 */
const manifest = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8"));
const built = [
  ...Object.values(manifest.exports).flatMap((target) =>
    typeof target === "string" ? [] : [target.default],
  ),
  ...Object.values(manifest.bin),
];
export const entries = built.map((path) => path.replace(/^(\.\/)?dist\//, "").replace(/\.js$/, ".ts"));

/** Bundles the entries into `outdir`. */
export async function bundle(outdir = resolve(root, "dist")) {
  await build({
    absWorkingDir: root,
    entryPoints: entries,
    outbase: ".",
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    tsconfig: "tsconfig.build.json",
    chunkNames: "chunks/[name]-[hash]",
    // No keepNames: it wraps every function, closures made per call included, in a defineProperty
    // of its name (a dictionary-mode property store each). Error classes name themselves from
    // `new.target.name`, so test/built-package.test.ts checks that no export got renamed.
    // The maps carry the sources they point at: src/ and machines/ do not ship.
    sourcemap: true,
    sourcesContent: true,
    logLevel: "warning",
  });
  // The bin: esbuild keeps main.ts's shebang; npm links it, a checkout runs it directly.
  chmodSync(resolve(outdir, "src/cli/main.js"), 0o755);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await bundle(process.argv[2] ? resolve(process.argv[2]) : undefined);
}
