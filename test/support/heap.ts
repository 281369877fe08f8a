/** The heap in use after a full GC: a heap figure means something only then. */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

// Exposed here so the suites that read the heap need no node flag.
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

export function heapAfterGC(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}
