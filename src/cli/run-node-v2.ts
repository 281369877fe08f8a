/**
 * A contract v2 run's ServiceNode: the service's options from `--service-options <file>` and the
 * flags (flags win), the methods and routes from `--manifest`. Every problem of the file, the
 * manifest and the node is added to the list, the node's each naming the flag that sets the field.
 */
import { basename } from "node:path";
import { DecodeError } from "../agent/decode-error.ts";
import { GatewayManifestError } from "../v2/errors.ts";
import { GatewayManifestSchema, loadGatewayManifest } from "../v2/manifest.ts";
import { newServiceNode, serviceNodeProblems } from "../v2/service-node.ts";
import type { GatewayManifest, ServiceNode, ServiceOptions } from "../v2/types.ts";
import { serviceOptionsFromWire } from "../v2/wire.ts";
import { integerFlag } from "./command.ts";
import { defined, fieldOf, RUN_DEFAULTS, type RunValues, readJSONFile, withFlag } from "./run-flags.ts";

/** Flag that sets each node field (problems name fields as protocol.md does). */
const FLAG_OF: Record<string, string> = {
  "app.id": "--app-id",
  "app.instance_id": "--instance-id",
  "app.name": "--app-name",
  "app.env": "--env",
  "app.version": "--version",
  "kernel.language": "--kernel-language",
  "kernel.version": "--kernel-version",
  "service.name": "--name",
  "service.namespace": "--namespace",
  "service.port": "--service-port",
  "service.weight": "--weight",
  protocol: "--protocol",
  server_port: "--port",
  managed_port: "--managed-port",
};

/**
 * The node's problems about what the manifest gives (its methods and routes): a loaded manifest
 * passed the same rules; one that could not be loaded has its own problems listed instead.
 */
const FROM_MANIFEST = ["methods", "method", "http_routes", "duplicate", "gateway"];

/** What the file or the flags set, flat; undefined where they say nothing, so the defaults apply. */
interface NodeFields {
  appId?: string;
  appName?: string;
  env?: string;
  version?: string;
  instanceId?: string;
  kernelLanguage?: string;
  kernelVersion?: string;
  name?: string;
  serviceType?: string;
  namespace?: string;
  clusterDomain?: string;
  servicePort?: number;
  weight?: number;
  protocol?: string;
  serverPort?: number;
  managedPort?: number;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function fromFile(path: string, readFile: (path: string) => string, problems: string[]): NodeFields {
  const json = readJSONFile("service-options", path, readFile, problems);
  if (json === undefined) return {};
  let options: ServiceOptions;
  try {
    options = serviceOptionsFromWire(json, path);
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    // The cause's text alone (`unknown field "app.secrets"`): the flag and the file are named here.
    const reason = error.cause instanceof DecodeError ? error.cause.message : error.message;
    problems.push(`--service-options ${path}: ${reason}`);
    return {};
  }
  // serviceOptionsFromWire reads an absent required field as "" or 0; the defaults need to know it was absent.
  const raw = json as { app?: Record<string, unknown>; service?: Record<string, unknown> } & Record<
    string,
    unknown
  >;
  const { app, service, kernel } = options;
  return defined({
    appId: present(raw.app?.id) ? app.id : undefined,
    appName: present(raw.app?.name) ? app.name : undefined,
    env: present(raw.app?.env) ? app.env : undefined,
    version: present(raw.app?.version) ? app.version : undefined,
    instanceId: app.instanceId,
    kernelLanguage: kernel?.language,
    kernelVersion: kernel?.version,
    name: present(raw.service?.name) ? service.name : undefined,
    serviceType: service.type,
    namespace: service.namespace,
    clusterDomain: service.clusterDomain,
    servicePort: service.port,
    weight: service.weight,
    protocol: present(raw.protocol) ? options.protocol : undefined,
    serverPort: present(raw.server_port) ? options.serverPort : undefined,
    managedPort: options.managedPort,
  });
}

/** Integer flags: the flag, the field it sets, its node field (for the problems), its range. */
const INTEGER_FLAGS = [
  ["port", "serverPort", "server_port", 1, 65_535],
  ["service-port", "servicePort", "service.port", 1, 65_535],
  ["managed-port", "managedPort", "managed_port", 0, 65_535],
  ["weight", "weight", "service.weight", 1, Number.MAX_SAFE_INTEGER],
] as const;

/** The flags' fields; `refused` gets the node fields whose flag was refused (already reported). */
function fromFlags(values: RunValues, problems: string[], refused: Set<string>): NodeFields {
  const fields: NodeFields = defined({
    appId: values["app-id"],
    appName: values["app-name"],
    env: values.env,
    version: values.version,
    instanceId: values["instance-id"],
    kernelLanguage: values["kernel-language"],
    kernelVersion: values["kernel-version"],
    name: values.name,
    serviceType: values["service-type"],
    namespace: values.namespace,
    clusterDomain: values["cluster-domain"],
    protocol: values.protocol,
  });
  for (const [flag, key, field, min, max] of INTEGER_FLAGS) {
    const text = values[flag];
    if (text === undefined) continue;
    const value = integerFlag(flag, text, min, max);
    if (typeof value === "number") fields[key] = value;
    else {
      problems.push(value);
      refused.add(field);
    }
  }
  return fields;
}

async function loadManifest(path: string, problems: string[]): Promise<GatewayManifest | undefined> {
  try {
    return await loadGatewayManifest(path);
  } catch (error) {
    if (!(error instanceof GatewayManifestError)) throw error;
    problems.push(...error.problems);
    return undefined;
  }
}

/** The service's options: the CLI's defaults (the same as v1's) where the file and the flags say nothing. */
function optionsOf(fields: NodeFields, command: string): ServiceOptions {
  const name = fields.name ?? "";
  return {
    app: {
      id: fields.appId ?? name,
      env: fields.env ?? RUN_DEFAULTS.env,
      name: fields.appName ?? name,
      version: fields.version ?? RUN_DEFAULTS.version,
      ...defined({ instanceId: fields.instanceId }),
    },
    // A process in any language: its kernel is the command's, not this Node.js's.
    kernel: {
      language: fields.kernelLanguage ?? basename(command),
      version: fields.kernelVersion ?? RUN_DEFAULTS.kernelVersion,
    },
    service: {
      name,
      ...defined({
        type: fields.serviceType,
        namespace: fields.namespace,
        clusterDomain: fields.clusterDomain,
        port: fields.servicePort,
        weight: fields.weight,
      }),
    },
    protocol: fields.protocol ?? RUN_DEFAULTS.protocol,
    serverPort: fields.serverPort ?? 0,
    managedPort: fields.managedPort ?? 0,
  };
}

/** The node of a v2 run (built once: every replay registers it unchanged); its problems are added to `problems`. */
export async function runNodeV2(
  values: RunValues,
  command: string,
  readFile: (path: string) => string,
  problems: string[],
): Promise<ServiceNode> {
  const path = values["service-options"];
  const file = path === undefined ? {} : fromFile(path, readFile, problems);
  // Fields whose problem is already reported, or follows from one that is: report each root once.
  const reported = new Set<string>();
  const flags = fromFlags(values, problems, reported);
  const manifest = await loadManifest(values.manifest ?? "", problems);
  const given = { ...file, ...flags };
  if (given.serverPort === undefined && !reported.has("server_port")) {
    problems.push("--port is required: the port the command listens on");
    reported.add("server_port");
  }
  if ((given.name ?? "").trim() === "") {
    if (given.appId === undefined) reported.add("app.id");
    if (given.appName === undefined) reported.add("app.name");
  }
  if (!manifest) for (const field of FROM_MANIFEST) reported.add(field);
  const empty: GatewayManifest = { schema: GatewayManifestSchema, services: [], routes: [] };
  const node = newServiceNode(optionsOf(given, command), manifest ?? empty);
  for (const problem of serviceNodeProblems(node)) {
    if (!reported.has(fieldOf(problem))) problems.push(withFlag(problem, FLAG_OF));
  }
  return node;
}
