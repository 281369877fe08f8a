/**
 * Which service a lifecycle's context belongs to, for the inspector's labels. Read in one place
 * because the context's shape moved: today's chart holds `registration.serviceName` /
 * `servicePort` (both contracts), earlier ones `request.name` / `request.port` (v1 only).
 */

export interface ServiceIdentity {
  name: string;
  /** Undefined when the context names no port. */
  port?: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The service's name and port from a lifecycle context, whichever shape it has; undefined when it has none. */
export function serviceIdentity(context: unknown): ServiceIdentity | undefined {
  if (!isRecord(context)) return undefined;
  const { registration, request } = context;
  const [name, port] = isRecord(registration)
    ? [registration.serviceName, registration.servicePort]
    : isRecord(request)
      ? [request.name, request.port]
      : [];
  if (typeof name !== "string" || name === "") return undefined;
  return Number.isInteger(port) ? { name, port: port as number } : { name };
}

/** `auth:9090`, or the name alone when there is no port. */
export function identityLabel(identity: ServiceIdentity): string {
  return identity.port === undefined ? identity.name : `${identity.name}:${identity.port}`;
}
