/**
 * Start and memory, in child processes under plain `node` (compiled JavaScript, no loader):
 * bare node, the dependency floor (bench/children/floor.mjs) and one lifecycle from the main
 * entry (bench/children/service.mjs), taken in turns so a busy moment hits all three alike.
 * Start is spawn → the first register at the agent; memory is read once that register is
 * answered, after a full GC.
 */
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { AgentLink } from "./agent-link.ts";
import { figure, GO, median, mib, ms, note, progress, section, TARGET } from "./report.ts";

const RUNS = 11;
type Kind = "bare" | "floor" | "service";

interface Run {
  startMs: number;
  rss: number;
  heapUsed: number;
  /** When the child's imports were evaluated, ms after its process started (its performance.now()). */
  importedAt: number;
}

const epoch = () => performance.timeOrigin + performance.now();

/** Spawns one child; resolves when it printed its memory (and, but for bare node, registered). */
async function runChild(kind: Kind, agent: AgentLink, entry: string): Promise<Run> {
  const script = fileURLToPath(new URL(`./children/${kind}.mjs`, import.meta.url));
  await agent.mark();
  const spawnedAt = epoch();
  const child = spawn(process.execPath, ["--expose-gc", script, agent.url, entry], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const lines = createInterface({ input: child.stdout });
    const line = await new Promise<string>((resolve, reject) => {
      lines.once("line", resolve);
      child.once("exit", (code) =>
        reject(new Error(`bench: ${kind} child exited (code ${code}) before reporting`)),
      );
    });
    const printedAt = epoch();
    const memory = JSON.parse(line) as { rss: number; heapUsed: number; importedAt: number };
    const registeredAt = kind === "bare" ? printedAt : ((await agent.registers(1))[0]?.at as number);
    return { startMs: registeredAt - spawnedAt, ...memory };
  } finally {
    child.kill("SIGKILL");
  }
}

export async function processFigures(agent: AgentLink, entry: string): Promise<void> {
  section(`start and memory: ${RUNS} runs each of bare node, the dependency floor and one lifecycle`);
  const runs: Record<Kind, Run[]> = { bare: [], floor: [], service: [] };
  for (let run = 1; run <= RUNS; run += 1) {
    for (const kind of ["bare", "floor", "service"] as const)
      runs[kind].push(await runChild(kind, agent, entry));
    progress("runs", run, RUNS);
  }
  const of = (kind: Kind, key: keyof Run) => median(runs[kind].map((r) => r[key]));
  const [bare, floor, service] = (["bare", "floor", "service"] as const).map((kind) => ({
    startMs: of(kind, "startMs"),
    rss: of(kind, "rss"),
    heapUsed: of(kind, "heapUsed"),
    importedAt: of(kind, "importedAt"),
  })) as [Run, Run, Run];

  const rssOver = (service.rss - floor.rss) / 2 ** 20;
  const heapOver = (service.heapUsed - floor.heapUsed) / 2 ** 20;
  figure(
    "RSS holding one registered lifecycle (median of runs)",
    `${mib(service.rss)}: ${mib(service.rss - bare.rss)} over bare node (${mib(bare.rss)}), ` +
      `${rssOver >= 0 ? "+" : ""}${rssOver.toFixed(1)} MiB over the dependency floor (${mib(floor.rss)})`,
    `≤ the floor + ${TARGET.rssOverFloorMiB} MiB`,
    rssOver <= TARGET.rssOverFloorMiB,
    GO.rss,
  );
  figure(
    "heap after GC holding one registered lifecycle (median of runs)",
    `${mib(service.heapUsed)}: ${mib(service.heapUsed - bare.heapUsed)} over bare node (${mib(bare.heapUsed)}), ` +
      `${heapOver >= 0 ? "+" : ""}${heapOver.toFixed(1)} MiB over the dependency floor (${mib(floor.heapUsed)})`,
    `≤ the floor + ${TARGET.heapOverFloorMiB} MiB`,
    heapOver <= TARGET.heapOverFloorMiB,
  );
  const startOver = service.startMs - floor.startMs;
  figure(
    "start: spawn → first register at the agent (median of runs)",
    `${ms(service.startMs)}; the dependency floor ${ms(floor.startMs)} (${startOver >= 0 ? "+" : ""}${ms(startOver)})`,
    `≤ the floor + ${TARGET.startOverFloorMs} ms`,
    startOver <= TARGET.startOverFloorMs,
    GO.start,
  );
  note(`bare node, spawn → its first line of output: ${ms(bare.startMs)}`);
  const importOver = service.importedAt - floor.importedAt;
  note(
    `imports evaluated, ms after the process started: bare node ${ms(bare.importedAt)}, the floor's three ` +
      `packages ${ms(floor.importedAt)}, the main entry ${ms(service.importedAt)} (${importOver >= 0 ? "+" : ""}${ms(importOver)})`,
  );
}
