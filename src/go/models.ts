/**
 * The Go client's service description models (go-micro shaped), camelCase. They describe a
 * service; `ServiceRegistrationProvider` turns them into the agent's RegisterRequest.
 */

/** Runtime of the business service (Go `ServiceKernel`). */
export interface ServiceKernel {
  language: string;
  version: string;
}

/** Minimal identity of a service on a bare-metal host (Go `ServiceMeta`). */
export interface ServiceMeta {
  appId?: string;
  instanceId?: string;
  version?: string;
  env?: string;
}

/** Minimal registration node of a service (Go `ServiceNode`). */
export interface ServiceNode {
  protoCount?: number;
  weight?: number;
  runDate?: string;
  /** Method path → exposed; only the `true` keys are registered. */
  methods?: Record<string, boolean>;
  kernel?: ServiceKernel;
  meta?: ServiceMeta;
}

export interface ServiceOptionsInit {
  instanceId?: string;
  namespace?: string;
  kernel?: Partial<ServiceKernel>;
  maxRetry?: number;
  ttl?: number;
  weight?: number;
}

export const DefaultServiceNamespace = "firefly";
export const DefaultServiceWeight = 100;
export const MinServiceMaxRetry = 3;
export const MinServiceTTL = 10;
export const DefaultKernelLanguage = "Node.js";

/** Base options of a service joining the host's agent (Go `ServiceOptions`). */
export class ServiceOptions {
  instanceId: string;
  namespace: string;
  kernel: ServiceKernel;
  maxRetry: number;
  ttl: number;
  weight: number;

  constructor(init: ServiceOptionsInit = {}) {
    this.instanceId = init.instanceId ?? "";
    this.namespace = init.namespace ?? "";
    this.kernel = { language: init.kernel?.language ?? "", version: init.kernel?.version ?? "" };
    this.maxRetry = init.maxRetry ?? 0;
    this.ttl = init.ttl ?? 0;
    this.weight = init.weight ?? 0;
  }

  /**
   * Fills what is unset (Go `Bootstrap`): namespace `firefly`, weight 100, maxRetry at least 3,
   * ttl at least 10, kernel `Node.js` at the running `process.version`. Returns `this`.
   */
  bootstrap(): this {
    this.instanceId = this.instanceId.trim();
    this.namespace = this.namespace.trim() || DefaultServiceNamespace;
    if (!(this.weight > 0)) this.weight = DefaultServiceWeight;
    this.maxRetry = Math.max(this.maxRetry, MinServiceMaxRetry);
    this.ttl = Math.max(this.ttl, MinServiceTTL);
    this.kernel = {
      language: this.kernel.language.trim() || DefaultKernelLanguage,
      version: this.kernel.version.trim() || process.version,
    };
    return this;
  }
}
