/** `sidecar-lifecycle/inspector`: the live inspector server that `sidecar-lifecycle inspect` runs. */
export {
  DefaultInspectorPort,
  type InspectorServer,
  type InspectorServerOptions,
  startInspectorServer,
} from "./inspector/server.ts";
