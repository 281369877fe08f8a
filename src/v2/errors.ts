/** The errors of contract v2's pure domain: a gateway manifest that cannot be used, a ServiceNode the agent would refuse. */
import { SidecarLifecycleError } from "../../machines/errors.ts";
import { InvalidRegistrationError } from "../agent/validate.ts";

/** Where loading a gateway manifest stopped: no path given, the file unreadable, bad JSON, or a rule broken. */
export type GatewayManifestStage = "path" | "read" | "decode" | "validate";

/**
 * A gateway manifest that cannot be used. `problems` holds every problem found, each a full
 * Go-client text (`validate gateway manifest "<path>": gateway manifest …` when loaded from a
 * file); the message lists them all, so with one problem it is exactly the Go client's text.
 */
export class GatewayManifestError extends SidecarLifecycleError {
  /** The file; undefined for a manifest checked in memory. */
  readonly path: string | undefined;
  readonly stage: GatewayManifestStage;
  readonly problems: readonly string[];

  constructor(
    path: string | undefined,
    stage: GatewayManifestStage,
    problems: readonly string[],
    options?: { cause?: unknown },
  ) {
    super("runtime_error", problems.join("; "), options);
    this.path = path;
    this.stage = stage;
    this.problems = problems;
  }
}

/**
 * A v2 ServiceNode the agent would refuse (protocol.md "Checked by the client"). A subclass of
 * InvalidRegistrationError, so code that catches a refused v1 request catches this one too.
 */
export class InvalidServiceNodeError extends InvalidRegistrationError {
  /** `<app.id>/<app.instance_id>`, the key the agent holds the instance by. */
  readonly instance: string;

  constructor(serviceName: string, instance: string, problems: readonly string[]) {
    super(`service "${serviceName}" instance ${instance}`, problems);
    this.instance = instance;
  }
}
