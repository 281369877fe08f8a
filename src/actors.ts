/** The real actors the chart invokes: the SSE watch and the register / drain / deregister calls. */
import { fromCallback, fromPromise } from "xstate";
import { failureOf } from "../machines/errors.ts";
import type { DrainOutput, LifecycleEvent } from "../machines/lifecycle.machine.ts";
import type { ConnectionEvent, DeregisterRequest, DrainRequest, RegisterRequest } from "../machines/types.ts";
import type { Client } from "./agent/http-client.ts";
import { RegisterReplayError, ShutdownStepError, SidecarAPIError } from "./errors.ts";

/** Opens one watch attempt; ends by throwing (EOF included). `onActivity` fires for every byte chunk. */
export type OpenStream = (signal: AbortSignal, onActivity: () => void) => AsyncIterable<ConnectionEvent>;

/** The chart's `watch`: one stream attempt, reported as WATCH.* events, stopped by aborting. */
export function watchActor(open: OpenStream) {
  return fromCallback<LifecycleEvent>(({ sendBack }) => {
    const controller = new AbortController();
    const run = async () => {
      for await (const event of open(controller.signal, () => sendBack({ type: "WATCH.ACTIVITY" }))) {
        sendBack({ type: event.type === "connected" ? "WATCH.CONNECTED" : "WATCH.HEARTBEAT", event });
      }
    };
    run().then(
      () => sendBack({ type: "WATCH.FAILED", error: new Error("watch stream ended without an error") }),
      (error: unknown) => {
        if (controller.signal.aborted) return;
        sendBack({ type: "WATCH.FAILED", error: failureOf(error) });
      },
    );
    return () => controller.abort();
  });
}

function isNotFound(error: unknown): boolean {
  return error instanceof SidecarAPIError && error.isLocalServiceNotFound;
}

/** register / drain / deregister as promise actors over a Client, honouring XState's AbortSignal. */
export function agentCallActors(client: Client, log: (message: string) => void) {
  return {
    register: fromPromise<void, { request: RegisterRequest }>(async ({ input, signal }) => {
      try {
        await client.register(input.request, signal);
      } catch (error) {
        throw new RegisterReplayError(input.request.name, input.request.port, error);
      }
    }),
    drain: fromPromise<DrainOutput, { request: DrainRequest }>(async ({ input, signal }) => {
      const { name, port } = input.request;
      try {
        await client.drain(input.request, signal);
        return { found: true };
      } catch (error) {
        if (!isNotFound(error)) throw new ShutdownStepError("drain", name, port, error);
        log(`drain: the agent no longer knows ${name}:${port} (it restarted); nothing to drain`);
        return { found: false };
      }
    }),
    deregister: fromPromise<void, { request: DeregisterRequest }>(async ({ input, signal }) => {
      const { name, port } = input.request;
      try {
        await client.deregister(input.request, signal);
      } catch (error) {
        if (!isNotFound(error)) throw new ShutdownStepError("deregister", name, port, error);
        log(`deregister: the agent no longer knows ${name}:${port} (it restarted); already deregistered`);
      }
    }),
  };
}
