/** The async error stream ServiceLifecycle.start() returns (Go's `<-chan error`). */
import { expect, it } from "vitest";
import { ErrorQueue } from "../src/index.ts";

it("keeps only the newest errors up to its bound, then ends once closed", async () => {
  const queue = new ErrorQueue<Error>(2);
  for (const text of ["a", "b", "c"]) queue.push(new Error(text));
  queue.close();
  queue.push(new Error("after close"));
  const seen: string[] = [];
  for await (const error of queue) seen.push(error.message);
  expect(seen).toEqual(["b", "c"]);
});

it("wakes every waiting reader; each error goes to one of them", async () => {
  const queue = new ErrorQueue<Error>();
  const read = async () => {
    const seen: string[] = [];
    for await (const error of queue) seen.push(error.message);
    return seen;
  };
  const readers = [read(), read()];
  await new Promise((resolve) => setImmediate(resolve));
  queue.push(new Error("x"));
  queue.push(new Error("y"));
  queue.close();
  const [first = [], second = []] = await Promise.all(readers);
  expect([...first, ...second].sort()).toEqual(["x", "y"]);
});
