/**
 * The main entry loads only what a running service needs: its static import graph (what
 * `import "sidecar-lifecycle"` evaluates; dynamic `import()`s load on demand) holds neither `ws`,
 * `@statelyai/inspect` nor `prom-client`, nor the dev agent, the inspector server or the CLI.
 * The built package, loaded by plain node, is test/built-package.test.ts's (a v1 lifecycle loads no uuid).
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
// Static imports and re-exports only: `import x from "y"`, `export … from "y"`, `import "y"`.
const STATIC = /^\s*(?:import|export)\s+(?:type\s+)?(?:[^"';]*?\s+from\s+)?["']([^"']+)["']/gm;

function staticGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(STATIC)) {
      const line = match[0];
      if (/^\s*(import|export)\s+type\s/.test(line)) continue; // erased at run time
      const specifier = match[1] as string;
      if (specifier.startsWith(".")) visit(join(dirname(file), specifier));
      else if (!specifier.startsWith("node:"))
        packages.add(
          specifier
            .split("/")
            .slice(0, specifier.startsWith("@") ? 2 : 1)
            .join("/"),
        );
    }
  };
  visit(join(ROOT, entry));
  return { files, packages };
}

describe("the main entry", () => {
  const graph = staticGraph("src/index.ts");
  const relative = [...graph.files].map((file) => file.slice(ROOT.length + 1));

  it("imports only the run-time dependencies; uuid waits for the first v2 instance id", () => {
    expect([...graph.packages].sort()).toEqual(["eventsource-parser", "undici", "xstate"]);
  });

  it("loads neither the dev agent, the inspector server, the CLI nor the demo", () => {
    const tools = relative.filter((file) =>
      /^src\/(dev-agent|cli|demo)\/|^src\/inspector\/(server|sessions|command|chart-graph)/.test(file),
    );
    expect(tools).toEqual([]);
  });

  it("reaches of contract v2 only what a ServiceNode lifecycle runs on: no manifest reading, no Go agent's decoding", () => {
    const v2 = relative.filter((file) => file.startsWith("src/v2/")).sort();
    expect(v2).toEqual([
      "src/v2/client.ts",
      "src/v2/errors.ts",
      "src/v2/instance-id.ts",
      "src/v2/routes.ts",
      "src/v2/service-node.ts",
      "src/v2/wire-bodies.ts",
    ]);
  });

  it("is walked for real: the chart and the wire are in it", () => {
    expect(relative).toEqual(
      expect.arrayContaining([
        "machines/lifecycle.machine.ts",
        "src/agent/watch-stream.ts",
        "src/inspector/connect.ts",
      ]),
    );
  });
});
