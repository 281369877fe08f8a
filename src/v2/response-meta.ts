/** Go v0.3 `SidecarResponseMeta`: the common facts of one admin answer, read off a refusal. */
import type { SidecarAPIError } from "../errors.ts";

export interface SidecarResponseMeta {
  statusCode: number;
  /** Always false for a refusal: a 200 whose envelope says `success: false` is one too (not copied from Go v0.3). */
  success: boolean;
  /** Envelope `code` (`register_failed`, `not_ready` …), "" for the plain `{"error"}` shape. */
  code: string;
  /** The agent's own text: envelope `message`, or the plain shape's `error`. */
  message: string;
}

export function sidecarResponseMeta(error: SidecarAPIError): SidecarResponseMeta {
  return { statusCode: error.statusCode, success: false, code: error.code, message: error.agentMessage };
}
