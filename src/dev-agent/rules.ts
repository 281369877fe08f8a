/**
 * The agent's rules for drain and deregister (protocol.md, both contracts), with its exact error
 * texts. The register rules are shared with the library's local checks: `registerRequestProblems`
 * (src/agent/validate.ts) for v1, `serviceNodeProblems` (src/v2/service-node.ts) for v2. The dev
 * agent answers the first problem, as the agent does.
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

/** Reasons the agent would refuse a v2 deregister (or the instance part of a v2 drain). */
export function v2InstanceProblems(appId: string, appInstanceId: string): string[] {
  const problems: string[] = [];
  if (appId.trim() === "") problems.push("app_id is required");
  if (appInstanceId.trim() === "") problems.push("app_instance_id is required");
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
