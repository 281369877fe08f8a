/**
 * The suites `npm run mutate` runs against each mutant: the fast in-process ones (the pure model,
 * the chart's behaviour tests, status, errors, state names, backoff, frames, the lifecycle over
 * loopback sockets).
 * Left out: the browser, CLI child-process and real-model suites (slow, and the real model repeats
 * the pure one over sockets), and the Stately golden-file comparison (visualizer-export), so a
 * mutant counts as killed only when some behaviour check catches it.
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "test/model-pure.test.ts",
      "test/chart-*.test.ts",
      "test/status.test.ts",
      "test/errors.test.ts",
      "test/state-name.test.ts",
      "test/backoff.test.ts",
      "test/watch-frames.test.ts",
      "test/lifecycle.*.test.ts",
    ],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
