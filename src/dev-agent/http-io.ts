/** Request bodies read with a size limit, and answers in the plain or the envelope shape. */
import type { IncomingMessage, ServerResponse } from "node:http";

/** Largest admin request body the dev agent reads. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Past the limit the rest is read and dropped, to answer 400 cleanly; past this the socket is cut. */
const MAX_DISCARDED_BYTES = 16 * MAX_BODY_BYTES;

export type BodyResult = { text: string } | { tooLarge: true } | { failed: true };

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DISCARDED_BYTES) {
        req.destroy();
        resolve({ failed: true });
      } else if (size <= limit) {
        chunks.push(chunk);
      }
    });
    req.on("end", () =>
      resolve(size > limit ? { tooLarge: true } : { text: Buffer.concat(chunks).toString("utf8") }),
    );
    req.on("error", () => resolve({ failed: true }));
  });
}

const CODES: Record<number, string> = {
  200: "OK",
  400: "INVALID_ARGUMENT",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  415: "UNSUPPORTED_MEDIA_TYPE",
  500: "INTERNAL",
};

/** An answer before its shape is chosen: a payload on success, an error text otherwise. */
export type Answer = { status: 200; data: unknown } | { status: number; error: string; code?: string };

/** The JSON body of an answer: plain (`data` / `{"error"}`) or the newer envelope. */
export function answerBody(answer: Answer, envelope: boolean): unknown {
  if (!envelope) return "data" in answer ? answer.data : { error: answer.error };
  const success = "data" in answer;
  return {
    success,
    code: success ? CODES[200] : (answer.code ?? CODES[answer.status] ?? "ERROR"),
    message: success ? "ok" : answer.error,
    data: success ? answer.data : null,
    generated_at: new Date().toISOString(),
  };
}

export function send(res: ServerResponse, answer: Answer, envelope: boolean, headers = {}): void {
  const body = JSON.stringify(answerBody(answer, envelope));
  res.writeHead(answer.status, { "content-type": "application/json", ...headers }).end(body);
}
