/** The dev agent's final view (`GET /debug/services`), as a few readable lines. */
import { clockStamp } from "../cli/command.ts";
import type { DevAgent } from "../dev-agent/server.ts";
import { type LocalService, v2InstanceKey } from "../dev-agent/store.ts";

function time(iso: string): string {
  return iso ? clockStamp(new Date(iso)) : "-";
}

/** A v1 instance is `name:port` (the agent names its instance id); a v2 one is `app id/instance id`. */
function describe(service: LocalService): string {
  const parts =
    service.contract === "v1"
      ? [`${service.name}:${service.port}  ${service.state}`, `instance ${service.instanceId}`]
      : [
          `${service.name} ${v2InstanceKey(service.appId, service.instanceId)}  ${service.state}`,
          `server_port ${service.port}`,
        ];
  parts.push(`registered ${time(service.registeredAt)}`);
  if (service.drainedAt)
    parts.push(`drained ${time(service.drainedAt)} (grace ${service.gracePeriod || "20s"})`);
  if (service.deregisteredAt) parts.push(`deregistered ${time(service.deregisteredAt)}`);
  return parts.join(" · ");
}

function count(agent: DevAgent, path: string): number {
  return agent.callsTo(path).filter((call) => call.status === 200).length;
}

export function finalView(agent: DevAgent): string[] {
  const held = agent.services();
  const gone = agent.deregistered();
  return [
    `held now:      ${held.length === 0 ? "nothing" : held.map(describe).join("\n               ")}`,
    `deregistered:  ${gone.length === 0 ? "nothing" : gone.map(describe).join("\n               ")}`,
    `calls:         ${count(agent, "/register")} register, ${count(agent, "/drain")} drain, ${count(agent, "/deregister")} deregister, ${agent.callsTo("/watch").length} watch streams; agent restarts: ${agent.restarts}`,
  ];
}
