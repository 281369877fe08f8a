/** Compares a status snapshot with the change a step implies; returns what does not hold. */
import type { Status } from "../../machines/types.ts";
import type { StatusChange } from "./causes.ts";

const show = (value: unknown) => JSON.stringify(value);

export function statusProblems(before: Status, actual: Status, change: StatusChange): string[] {
  const problems: string[] = [];
  const stamped = new Set<string>(change.stamp ?? []);
  for (const field of Object.keys(before) as (keyof Status)[]) {
    const value = actual[field];
    if (change.set && field in change.set) {
      const wanted = change.set[field];
      if (value !== wanted) problems.push(`${field} is ${show(value)}, expected ${show(wanted)}`);
    } else if (stamped.has(field)) {
      if (value === "") problems.push(`${field} is empty, expected a timestamp`);
    } else if (field === "lastError" && change.errorText !== undefined) {
      if (!String(value).includes(change.errorText)) {
        problems.push(`lastError is ${show(value)}, expected it to contain ${show(change.errorText)}`);
      }
    } else if (value !== before[field]) {
      problems.push(`${field} changed from ${show(before[field])} to ${show(value)}, expected no change`);
    }
  }
  return problems;
}
