/**
 * The pure driver: the chart with every invoked actor swapped (`machine.provide()`) for one the
 * replay controls, on a ModelClock. A `watch` cause goes through the running watch actor, an
 * `actor` cause settles the invoked actor's promise, a `timer` cause expires that timer.
 * After every step it checks the model's expectations (the actors started, with their inputs) and
 * the properties of `properties.ts` over what the controlled actors saw.
 */
import {
  type Actor,
  type AnyEventObject,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  createActor,
  fromCallback,
  fromPromise,
} from "xstate";
import { lifecycleStateName } from "../../machines/state-name.ts";
import type { Status } from "../../machines/types.ts";
import { chartStateNodes } from "./chart-definition.ts";
import { ModelClock } from "./clock.ts";
import { type LifecycleModel, type StartedActor, WATCH_ACTOR } from "./model.ts";
import { type AgentCallPath, LifecycleProperties } from "./properties.ts";
import type { LifecycleDriver } from "./replay.ts";

export interface SimulatedLifecycle extends LifecycleDriver {
  readonly actor: Actor<AnyStateMachine>;
  readonly clock: ModelClock;
  /** Every actor the chart started, in order, with its input (the register request …). */
  readonly started: StartedActor[];
  /** Every error the chart reported (`reportError`, the service's `onError`), in order. */
  readonly reported: Error[];
}

export interface SimulateOptions {
  /**
   * The chart with your own implementations (actions such as `reportError`, guards, delays).
   * Its actors are swapped for controlled ones; your `reportError` still runs. Default: the model's machine.
   */
  machine?: AnyStateMachine;
}

interface Settle {
  resolve(output: unknown): void;
  reject(error: unknown): void;
}

/** The `src` names the chart invokes. */
function invokedSources(machine: AnyStateMachine): string[] {
  const sources = chartStateNodes(machine).flatMap((node) =>
    node.invoke.map((invoke) => invoke.src).filter((src): src is string => typeof src === "string"),
  );
  return [...new Set(sources)];
}

export function simulateLifecycle(model: LifecycleModel, options: SimulateOptions = {}): SimulatedLifecycle {
  const machine = options.machine ?? model.machine;
  const settles = new Map<string, Settle>();
  const started: StartedActor[] = [];
  const expected: StartedActor[] = [];
  let sendBack: ((event: AnyEventObject) => void) | undefined;

  const reported: Error[] = [];
  const properties = new LifecycleProperties(model.input.timing);
  const callPaths: Readonly<Record<string, AgentCallPath>> = {
    register: "/register",
    drain: "/drain",
    deregister: "/deregister",
  };

  const watch = fromCallback(({ sendBack: send, self, input }) => {
    started.push({ id: self.id, input });
    sendBack = send;
    return () => {
      if (sendBack === send) sendBack = undefined;
    };
  });
  const call = fromPromise<unknown, unknown>(
    ({ input, self, signal }) =>
      new Promise((resolve, reject) => {
        const settle = { resolve, reject };
        started.push({ id: self.id, input });
        settles.set(self.id, settle);
        signal.addEventListener("abort", () => {
          if (settles.get(self.id) === settle) settles.delete(self.id);
        });
      }),
  );
  const actors = Object.fromEntries(
    invokedSources(machine).map((src) => [src, src === WATCH_ACTOR ? watch : call]),
  );
  type ReportError = (args: unknown, params: { error: Error }) => void;
  const ownReportError = machine.implementations.actions.reportError as ReportError | undefined;
  const reportError: ReportError = (args, params) => {
    reported.push(params.error);
    ownReportError?.(args, params);
  };
  const clock = new ModelClock();
  const actor = createActor(machine.provide({ actors, actions: { reportError } } as never), {
    input: model.input,
    clock,
  });
  actor.start();

  return {
    actor,
    clock,
    started,
    reported,
    cause({ cause, event }) {
      switch (cause.origin) {
        case "service":
          actor.send(event);
          return;
        case "watch":
          if (!sendBack) throw new Error(`${cause.name}: the watch actor is not running`);
          sendBack(event);
          return;
        case "timer":
          clock.expire(actor, event.type);
          return;
        case "actor": {
          const id = cause.source ?? "";
          const settle = settles.get(id);
          if (!settle) throw new Error(`${cause.name}: no ${id} actor is running`);
          settles.delete(id);
          if (event.type.startsWith("xstate.done.actor.")) settle.resolve(event.output);
          else settle.reject(event.error);
          return;
        }
      }
    },
    check(step, observed: AnyMachineSnapshot) {
      // The actors the chart started, with their inputs, are the ones the model says.
      expected.push(...step.starts);
      const actual = JSON.stringify(started);
      if (actual !== JSON.stringify(expected)) {
        throw new Error(`actors started: ${actual}, expected ${JSON.stringify(expected)}`);
      }
      const calls = started.flatMap(({ id }) => (callPaths[id] ? [callPaths[id]] : []));
      properties.check({
        step,
        status: observed.context.status as Status,
        state: lifecycleStateName(observed.value),
        done: observed.status === "done",
        outputError: (observed.output as { error?: Error | null } | undefined)?.error ?? null,
        calls,
        inFlight: [...settles.keys()].filter((id) => id in callPaths).length,
        reported,
        serverStops: started.filter(({ id }) => id === "stopServer").length,
        now: clock.elapsed,
        fired: step.cause.origin === "timer" ? clock.lastExpired : undefined,
        pending: clock.pending(),
      });
    },
    stop() {
      actor.stop();
    },
  };
}
