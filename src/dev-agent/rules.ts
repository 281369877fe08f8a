/**
 * The agent's rules for drain and deregister (protocol.md), with its exact error texts. The
 * register rules are shared with the library's local check: `registerRequestProblems` in
 * src/agent/validate.ts. The dev agent answers the first problem, as the agent does.
 */
import { parseGoDuration } from "../agent/duration.ts";
import { validPort } from "../agent/validate.ts";

/** The agent's default when `grace_period` is empty. */
export const AGENT_DEFAULT_GRACE_PERIOD = "20s";

/** Reasons the agent would refuse a deregister (or the name+port part of a drain). */
export function instanceProblems(name: string, port: number): string[] {
  const problems: string[] = [];
  if (name.trim() === "") problems.push("name is required");
  if (!validPort(port)) problems.push(`port is invalid: ${port}`);
  return problems;
}

/**
 * Reads a drain's `grace_period` as the agent does: empty means 20 s, otherwise a Go duration
 * that must be greater than zero. Returns the milliseconds, or the problem.
 */
export function gracePeriodOf(text: string): { ms: number } | { problem: string } {
  const source = text.trim() === "" ? AGENT_DEFAULT_GRACE_PERIOD : text.trim();
  let ms: number;
  try {
    ms = parseGoDuration(source);
  } catch {
    return { problem: `grace_period is invalid: ${text}` };
  }
  if (ms <= 0) return { problem: `grace_period must be greater than zero: ${text}` };
  return { ms };
}
