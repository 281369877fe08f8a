/**
 * The package as it ships: scripts/build.mjs's esbuild bundle, loaded by plain `node` in a child
 * process. esbuild renames a top-level name that two bundled modules share, and the error
 * classes name themselves from `new.target.name`, so every export must keep its own name.
 * A v1 lifecycle loads no uuid; the first v2 instance id does. A registered lifecycle never reads
 * the local time zone: V8's Date#toISOString does (Node 20, 22 and 24), and ICU then loads its time
 * zone data, about 1 MB resident.
 */
import { execFile } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: the build script is plain JavaScript, without types
import { bundle, entries } from "../scripts/build.mjs";
import { TestAgent } from "./support/agent.ts";
import { authRequest } from "./support/fixtures.ts";

// Inside node_modules, so the bundle's bare imports (xstate, undici, …) resolve as they do for dist/.
const outDir = resolve(import.meta.dirname, `../node_modules/.cache/built-package-test-${process.pid}`);

/**
 * Runs `script` (an ES module) with plain node next to the bundle; resolves with what it printed,
 * parsed. Asynchronous, so a child can talk to an agent served from this process.
 */
async function inChild(name: string, script: string, args: string[] = []): Promise<unknown> {
  const file = resolve(outDir, name);
  writeFileSync(file, script);
  const { stdout } = await promisify(execFile)(process.execPath, [file, ...args], { encoding: "utf8" });
  return JSON.parse(stdout);
}

beforeAll(() => bundle(outDir), 60_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe("the built package", () => {
  it("keeps every exported function's and class's name, in every entry", async () => {
    const modules = (entries as string[]).filter((entry) => !entry.includes("/cli/"));
    expect(modules).toContain("src/index.ts");
    const renamed = await inChild(
      "names.mjs",
      `const renamed = [];
       let classes = 0;
       for (const entry of ${JSON.stringify(modules)}) {
         const exported = await import("./" + entry.replace(/\\.ts$/, ".js"));
         for (const [name, value] of Object.entries(exported)) {
           if (typeof value !== "function") continue;
           if (value.prototype instanceof Error) classes += 1;
           if (value.name !== name) renamed.push(entry + ": " + name + " is named " + value.name);
         }
       }
       const { ErrWatchStreamClosed } = await import("./src/index.js");
       console.log(JSON.stringify({ renamed, classes, errorName: new ErrWatchStreamClosed().name }));`,
    );
    expect(renamed).toEqual({
      renamed: [],
      classes: expect.any(Number),
      errorName: "ErrWatchStreamClosed",
    });
    expect((renamed as { classes: number }).classes).toBeGreaterThan(20);
  });

  it("loads uuid at the first v2 instance id, not for a v1 lifecycle", async () => {
    const loaded = await inChild(
      "uuid.mjs",
      `import { createRequire } from "node:module";
       const cache = createRequire(import.meta.url).cache;
       const uuidLoaded = () => Object.keys(cache).some((file) => file.includes("/node_modules/uuid/"));
       const { createLifecycle } = await import("./src/index.js");
       createLifecycle(${JSON.stringify(authRequest())}, { baseURL: "http://127.0.0.1:9" });
       const afterV1 = uuidLoaded();
       const { newInstanceId } = await import("./src/v2.js");
       const afterImport = uuidLoaded();
       const id = newInstanceId();
       console.log(JSON.stringify({ afterV1, afterImport, afterId: uuidLoaded(), id }));`,
    );
    expect(loaded).toEqual({
      afterV1: false,
      afterImport: false,
      afterId: true,
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
    });
  });

  it("holds a registered lifecycle without reading the local time zone", async () => {
    const agent = await TestAgent.start();
    try {
      const seen = await inChild(
        "local-time.mjs",
        `const local = new Set();
         for (const name of Object.getOwnPropertyNames(Date.prototype)) {
           // Every Date method but the UTC ones and the time value reads the local zone (toISOString too, in V8).
           if (/UTC|^getTime$|^valueOf$|^constructor$/.test(name)) continue;
           const method = Date.prototype[name];
           Date.prototype[name] = function (...args) {
             local.add(name);
             return method.apply(this, args);
           };
         }
         const { createLifecycle, onStateChange } = await import("./src/index.js");
         const lifecycle = createLifecycle(${JSON.stringify(authRequest())}, { baseURL: process.argv[2] });
         const stop = onStateChange(lifecycle.actor, (state) => {
           if (state !== "registered") return;
           stop();
           const { lastConnectedAt } = lifecycle.status();
           console.log(JSON.stringify({ local: [...local], lastConnectedAt }));
           process.exit(0);
         });
         lifecycle.start();`,
        [agent.url],
      );
      expect(seen).toEqual({
        local: [],
        lastConnectedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]{12}Z$/),
      });
    } finally {
      await agent.close();
    }
  });
});
