/** Instance ids of contract v2: a UUIDv7 (time-ordered), as the Go framework makes one. */
import { v7 } from "uuid";

/** A fresh UUIDv7. */
export function newInstanceId(): string {
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
