/** Instance ids of contract v2: a UUIDv7 (time-ordered), as the Go framework makes one. */
import { createRequire } from "node:module";

// Loaded at the first id, not with the main entry: a v1 service never needs it, and its 20
// modules cost a start about 11 ms. `require` of the ES module is synchronous (Node ≥ 20.19).
const require = createRequire(import.meta.url);

/** A fresh UUIDv7. */
export function newInstanceId(): string {
  const { v7 } = require("uuid") as typeof import("uuid");
  return v7();
}

let current: string | undefined;

/**
 * This process's instance id: generated on first use, then the same for the life of the process
 * (the Go framework generates one at every start; a Node.js process starts once).
 */
export function processInstanceId(): string {
  current ??= newInstanceId();
  return current;
}
