/**
 * Soak: one lifecycle with default options against a real dev agent that restarts N times on the
 * same port, each time down for a random 0–300 ms. Prints what a long-lived service would care
 * about: registrations lost (the agent did not hold the instance again within LOST_AFTER_MS),
 * registers per restart as the agent counted them, and heap (after a full GC) and open file
 * descriptors at the start and the end. Figures only: nothing here is asserted.
 * Run: `npm run soak -- --restarts 200 --seed 42`.
 */
import { readdirSync } from "node:fs";
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { startDevAgent } from "../src/dev-agent.ts";
import { createLifecycle, type Lifecycle } from "../src/lifecycle.ts";
import { authRequest } from "../test/support/fixtures.ts";

const MAX_DOWN_MS = 300;
const LOST_AFTER_MS = 5_000;

// A settled heap figure needs a full GC; expose it here so `npm run soak` needs no node flag.
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

function options(): { restarts: number; seed: number } {
  const { values } = parseArgs({
    options: { restarts: { type: "string", default: "200" }, seed: { type: "string" } },
  });
  const restarts = Number(values.restarts);
  if (!Number.isInteger(restarts) || restarts < 1) {
    throw new RangeError(`--restarts must be a positive integer, got "${values.restarts}"`);
  }
  const seed = values.seed === undefined ? Date.now() % 2 ** 32 : Number(values.seed);
  if (!Number.isInteger(seed)) throw new RangeError(`--seed must be an integer, got "${values.seed}"`);
  return { restarts, seed };
}

/** mulberry32: a small seeded PRNG, so a run's down times can be repeated with its --seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function resources(): { heapMiB: number; fds: number } {
  collectGarbage();
  return { heapMiB: process.memoryUsage().heapUsed / 2 ** 20, fds: readdirSync("/proc/self/fd").length };
}

/**
 * Resolves once the lifecycle is registered on a live stream (no register of its own is in flight
 * then), or after `timeoutMs` in any case.
 */
function registered(lifecycle: Lifecycle, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (lifecycle.state() === "registered") return resolve();
    const done = () => {
      clearTimeout(timer);
      subscription.unsubscribe();
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    const subscription = lifecycle.actor.subscribe(() => {
      if (lifecycle.state() === "registered") done();
    });
  });
}

async function main(): Promise<void> {
  const { restarts, seed } = options();
  const random = seededRandom(seed);
  // Accepted registers, from the agent's own log (its call log keeps only the latest 1000 calls).
  let registers = 0;
  const agent = await startDevAgent({
    port: 0,
    log: (line) => {
      if (line.startsWith("register ") && line.includes("→ Registered")) registers += 1;
    },
  });
  const lifecycle = createLifecycle(authRequest(), { baseURL: agent.url });
  lifecycle.start();
  const holds = () => agent.services().some((s) => s.name === "auth" && s.port === 9090);
  await agent.waitFor(holds, "the first register", LOST_AFTER_MS);
  await registered(lifecycle, LOST_AFTER_MS);
  const firstRegisters = registers;
  const start = resources();

  console.log(
    `soak: ${restarts} restarts of the dev agent on ${agent.url}, down 0–${MAX_DOWN_MS} ms (seed ${seed}), default options`,
  );
  const perRestart: number[] = [];
  let lost = 0;
  const every = Math.max(1, Math.round(restarts / 10));
  for (let restart = 1; restart <= restarts; restart += 1) {
    const before = registers;
    await agent.restart({ downMs: Math.round(random() * MAX_DOWN_MS) });
    try {
      await agent.waitFor(holds, "the replayed register", LOST_AFTER_MS);
    } catch {
      lost += 1;
    }
    // A lost one still gets the chance to settle, so the next restart starts from a registered lifecycle.
    await registered(lifecycle, LOST_AFTER_MS);
    perRestart.push(registers - before);
    if (restart % every === 0 || restart === restarts) {
      const { heapMiB, fds } = resources();
      console.log(
        `  ${String(restart).padStart(String(restarts).length)}/${restarts}: lost ${lost}, registers ${registers - firstRegisters}, heap ${heapMiB.toFixed(1)} MiB, fds ${fds}`,
      );
    }
  }
  const end = resources();
  const status = lifecycle.status();

  const sorted = [...perRestart].sort((a, b) => a - b);
  const mean = perRestart.reduce((sum, n) => sum + n, 0) / perRestart.length;
  console.log(`lost registrations: ${lost} of ${restarts} (not held again within ${LOST_AFTER_MS} ms)`);
  console.log(
    `registers per restart (agent-side): mean ${mean.toFixed(2)}, min ${sorted[0]}, max ${sorted[sorted.length - 1]}; ` +
      `restarts with more than one: ${perRestart.filter((n) => n > 1).length}`,
  );
  console.log(
    `lifecycle: registerReplayCount ${status.registerReplayCount}, disconnectCount ${status.disconnectCount}, ` +
      `registerReplayFailureCount ${status.registerReplayFailureCount}`,
  );
  console.log(
    `heap after GC: ${start.heapMiB.toFixed(1)} MiB at start, ${end.heapMiB.toFixed(1)} MiB at end`,
  );
  console.log(`open file descriptors: ${start.fds} at start, ${end.fds} at end`);

  await lifecycle.shutdown().catch((error: unknown) => console.log(`shutdown: ${(error as Error).message}`));
  await agent.close();
}

await main();
