/** Shared by the inspector tests: a registration and a wait on the inspector's view of services. */
import type { RegisterRequest } from "../../machines/types.ts";
import type { InspectorSessions, ServiceView } from "../../src/inspector/sessions.ts";

export function registration(name: string, port: number): RegisterRequest {
  return {
    appId: name,
    appName: name,
    name,
    namespace: "default",
    port,
    dns: `${name}.default.svc.cluster.local`,
    env: "test",
    weight: 100,
    protocol: "http",
    kernel: { language: "node", version: process.versions.node },
    methods: ["/"],
    version: "1.0.0",
  };
}

/** Resolves with the service once `check` holds for it; checked after every update. */
export function serviceWhere(
  sessions: InspectorSessions,
  check: (service: ServiceView) => boolean,
  what: string,
  timeoutMs = 5_000,
): Promise<ServiceView> {
  const found = sessions.list().find(check);
  if (found) return Promise.resolve(found);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      const seen = sessions.list().map((service) => `${service.name}: ${service.state}`);
      reject(new Error(`inspector: timed out waiting for ${what}; services: ${seen.join(", ") || "none"}`));
    }, timeoutMs);
    const unsubscribe = sessions.subscribe(({ service }) => {
      if (!check(service)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(service);
    });
  });
}
