/**
 * The chart as JSON: XState's own definition of `lifecycleMachine` (`toJSON()`), the form the
 * Stately visualizer and `@statelyai/inspect` tools read. Deterministic, so the committed export
 * can be checked current by regenerating it.
 */
import { lifecycleMachine } from "../machines/lifecycle.machine.ts";

export const exportPath = new URL("./lifecycle.stately.json", import.meta.url);

/** Inline actions (XState's `assign(...)` functions) would print as `null`; name them instead. */
function namedFunctions(_key: string, value: unknown): unknown {
  if (typeof value !== "function") return value;
  const type = (value as { type?: unknown }).type;
  return { type: typeof type === "string" ? type : value.name || "inline" };
}

export function lifecycleDefinitionJSON(): string {
  return `${JSON.stringify(lifecycleMachine.toJSON(), namedFunctions, 2)}\n`;
}
