/**
 * The v2 contract's calls (Go v0.3 `Client`, `ApiClient`): register sends the ServiceNode, drain
 * and deregister are keyed by app id + instance id. Over the same `HttpClient` as v1, so the
 * envelope, the agent's error text and the timeouts are read one way for both.
 */
import type { Registration } from "../../machines/types.ts";
import { HttpClient } from "../agent/http-client.ts";
import type { AgentCalls, V2Registration } from "../agent/registration.ts";
import { buildDeregisterRequest, buildDrainRequest } from "./service-node.ts";
import type { DeregisterRequest, DrainRequest, ServiceNode } from "./types.ts";
import { toWireDeregister, toWireDrain, toWireNode } from "./wire-bodies.ts";

/** What a v2 lifecycle needs from the agent (Go v0.3 `Client`). */
export interface Client {
  register(node: ServiceNode, signal?: AbortSignal): Promise<unknown>;
  drain(request: DrainRequest, signal?: AbortSignal): Promise<unknown>;
  deregister(request: DeregisterRequest, signal?: AbortSignal): Promise<unknown>;
}

/** Go v0.3 `ApiClient`: the admin API's three calls over an HttpClient. */
export class ApiClient implements Client {
  readonly http: HttpClient;

  constructor(http: HttpClient) {
    if (!(http instanceof HttpClient)) throw new TypeError("http client is required");
    this.http = http;
  }

  /** Resolves with the agent's answer payload (the envelope's `data`, or the plain JSON). */
  register(node: ServiceNode, signal?: AbortSignal): Promise<unknown> {
    return this.http.postJSON("register", toWireNode(node), signal);
  }

  drain(request: DrainRequest, signal?: AbortSignal): Promise<unknown> {
    return this.http.postJSON("drain", toWireDrain(request), signal);
  }

  deregister(request: DeregisterRequest, signal?: AbortSignal): Promise<unknown> {
    return this.http.postJSON("deregister", toWireDeregister(request), signal);
  }
}

/** Go v0.3 `NewHttpClient`. */
export function newHttpClient(baseURL?: string, timeout?: number): HttpClient {
  return new HttpClient(baseURL, timeout);
}

/** Go v0.3 `NewApiClient`. */
export function newApiClient(http: HttpClient): ApiClient {
  return new ApiClient(http);
}

function nodeOf(registration: Registration): ServiceNode {
  const { contract } = registration;
  if (contract !== "v2") throw new TypeError(`a v2 client cannot speak for a ${contract} registration`);
  return (registration as V2Registration).node;
}

/** The v2 calls through a Go v0.3-shaped `Client` (ApiClient, or the caller's own). */
export function v2Calls(client: Client): AgentCalls {
  return {
    register: (registration, signal) => client.register(nodeOf(registration), signal),
    drain: (registration, gracePeriod, signal) =>
      client.drain(buildDrainRequest(nodeOf(registration), gracePeriod), signal),
    deregister: (registration, signal) =>
      client.deregister(buildDeregisterRequest(nodeOf(registration)), signal),
  };
}
