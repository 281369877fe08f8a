/**
 * The two agent contracts the real model layer replays every path against: what the chart holds,
 * how the lifecycle is created, and what the agent must receive. The wire bodies are protocol.md's
 * samples written out (v1 in fixtures.ts, v2 in fixtures/v2/), not produced by the code under test.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Registration } from "../../machines/types.ts";
import { HttpClient, JSONHTTPClient } from "../../src/agent/http-client.ts";
import { v1Registration, v2Registration } from "../../src/agent/registration.ts";
import { type CreateLifecycleOptions, createLifecycle, type Lifecycle } from "../../src/lifecycle.ts";
import { ApiClient } from "../../src/v2/client.ts";
import { decodeGatewayManifest, normalizeAndValidate } from "../../src/v2/manifest.ts";
import { newServiceNode } from "../../src/v2/service-node.ts";
import { serviceOptionsFromWire } from "../../src/v2/wire.ts";
import { authRequest, authWireBody } from "./fixtures.ts";

export interface ContractUnderTest {
  readonly name: "v1" | "v2";
  readonly registration: Registration;
  readonly registerBody: unknown;
  drainBody(gracePeriod: string): unknown;
  readonly deregisterBody: unknown;
  /** The agent's text for an instance it does not hold. */
  readonly notFound: string;
  /** The lifecycle over this contract's own client, on `baseURL`; close the client after. */
  create(
    baseURL: string,
    options: Omit<CreateLifecycleOptions, "client">,
  ): { lifecycle: Lifecycle<unknown>; close(): Promise<void> };
}

const v2Fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, "..", "fixtures", "v2", name), "utf8");

const v1: ContractUnderTest = {
  name: "v1",
  registration: v1Registration(authRequest()),
  registerBody: authWireBody,
  drainBody: (gracePeriod) => ({ name: "auth", port: 9090, grace_period: gracePeriod }),
  deregisterBody: { name: "auth", port: 9090 },
  notFound: "local service not found: auth:9090",
  create(baseURL, options) {
    const client = new JSONHTTPClient(baseURL, 5_000);
    return {
      lifecycle: createLifecycle(authRequest(), { ...options, baseURL, client }),
      close: () => client.close(),
    };
  },
};

const node = newServiceNode(
  serviceOptionsFromWire(JSON.parse(v2Fixture("service-options.json")), "service-options.json"),
  normalizeAndValidate(decodeGatewayManifest(v2Fixture("gateway.manifest.json"))),
);
const instance = { app_id: "10001", app_instance_id: "0193a5c2-7d4e-7f3a-9b1c-5e6f7a8b9c0d" };

const v2: ContractUnderTest = {
  name: "v2",
  registration: v2Registration(node),
  // Built once per process: the run date is the node's own, everything else protocol.md's sample.
  registerBody: { ...JSON.parse(v2Fixture("register-body.json")), run_date: node.runDate },
  drainBody: (gracePeriod) => ({ ...instance, grace_period: gracePeriod }),
  deregisterBody: instance,
  notFound: `local service not found: ${instance.app_id}/${instance.app_instance_id}`,
  create(baseURL, options) {
    const http = new HttpClient(baseURL, 5_000);
    const lifecycle = createLifecycle(node, { ...options, baseURL, client: new ApiClient(http) });
    return { lifecycle, close: () => http.close() };
  },
};

export const contracts: readonly ContractUnderTest[] = [v1, v2];
