/**
 * Instance ids of contract v2: a UUIDv7 (RFC 9562: time-ordered), as the Go framework makes one.
 * Written here on node:crypto rather than taken from the `uuid` package, whose entry is 19 ES
 * modules that every process importing the main entry would load for this one function.
 */
import { randomFillSync } from "node:crypto";

const random = new Uint8Array(16);
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/** The millisecond and the 32-bit counter of the last id: ids made in one millisecond stay in order. */
let lastMs = Number.NEGATIVE_INFINITY;
let counter = 0;

/**
 * A fresh UUIDv7: 48 bits of Unix milliseconds, then (RFC 9562 §6.2, method 1) a counter seeded
 * at random each new millisecond, spread over rand_a and the top of rand_b, so later ids sort
 * after earlier ones even within a millisecond or when the clock steps back; the rest random.
 */
export function newInstanceId(): string {
  randomFillSync(random);
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    // 31 random bits: the top one clear leaves room to count up within this millisecond.
    counter = (((random[6] as number) & 0x7f) << 24) | ((random[7] as number) << 16);
    counter = (counter | ((random[8] as number) << 8) | (random[9] as number)) >>> 0;
  } else {
    counter = (counter + 1) >>> 0;
    if (counter === 0) lastMs++; // 2^32 ids in one millisecond: borrow the next one
  }
  const ms = lastMs;
  const bytes = [
    (ms / 2 ** 40) & 0xff,
    (ms / 2 ** 32) & 0xff,
    (ms / 2 ** 24) & 0xff,
    (ms / 2 ** 16) & 0xff,
    (ms / 2 ** 8) & 0xff,
    ms & 0xff,
    0x70 | ((counter >>> 28) & 0x0f), // version 7
    (counter >>> 20) & 0xff,
    0x80 | ((counter >>> 14) & 0x3f), // variant 10
    (counter >>> 6) & 0xff,
    ((counter << 2) & 0xfc) | ((random[10] as number) & 0x03),
    random[11] as number,
    random[12] as number,
    random[13] as number,
    random[14] as number,
    random[15] as number,
  ];
  const hex = bytes.map((byte) => HEX[byte]).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
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
