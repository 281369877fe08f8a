/**
 * The one seam between the chart and the two agent contracts. The chart holds a Registration
 * opaquely (machines/types.ts); here it is a v1 RegisterRequest or a v2 ServiceNode, and
 * `AgentCalls` are the three calls the chart's actors make for it, through the contract's own
 * client. Which contract a lifecycle speaks follows from what it was given, nowhere else.
 */
import type { RegisterRequest, Registration } from "../../machines/types.ts";
import type { ServiceNode } from "../v2/types.ts";
import type { Client } from "./http-client.ts";

export interface V1Registration extends Registration {
  readonly contract: "v1";
  readonly request: RegisterRequest;
}

export interface V2Registration extends Registration {
  readonly contract: "v2";
  readonly node: ServiceNode;
}

export type AgentRegistration = V1Registration | V2Registration;

export function v1Registration(request: RegisterRequest): V1Registration {
  return {
    contract: "v1",
    serviceName: request.name,
    servicePort: request.port,
    instance: `${request.name}:${request.port}`,
    request,
  };
}

export function v2Registration(node: ServiceNode): V2Registration {
  return {
    contract: "v2",
    serviceName: node.service.name,
    servicePort: node.serverPort,
    instance: `${node.app.id}/${node.app.instanceId}`,
    node,
  };
}

/** What the chart's register / drain / deregister actors need from the agent, for either contract; each resolves with the agent's answer. */
export interface AgentCalls {
  register(registration: Registration, signal: AbortSignal): Promise<unknown>;
  drain(registration: Registration, gracePeriod: string, signal: AbortSignal): Promise<unknown>;
  deregister(registration: Registration, signal: AbortSignal): Promise<unknown>;
}

function v1RequestOf(registration: Registration): RegisterRequest {
  const { contract } = registration;
  if (contract !== "v1") throw new TypeError(`a v1 client cannot speak for a ${contract} registration`);
  return (registration as V1Registration).request;
}

/** The v1 calls through a Go v0.0.8-shaped `Client` (JSONHTTPClient, or the caller's own). */
export function v1Calls(client: Client): AgentCalls {
  return {
    register: (registration, signal) => client.register(v1RequestOf(registration), signal),
    drain: (registration, gracePeriod, signal) => {
      const { name, port } = v1RequestOf(registration);
      return client.drain({ name, port, gracePeriod }, signal);
    },
    deregister: (registration, signal) => {
      const { name, port } = v1RequestOf(registration);
      return client.deregister({ name, port }, signal);
    },
  };
}
