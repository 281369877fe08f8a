/**
 * The pure driver: the chart with every invoked actor swapped (`machine.provide()`) for one the
 * replay controls, on a ModelClock. A `watch` cause goes through the running watch actor, an
 * `actor` cause settles the invoked actor's promise, a `timer` cause expires that timer.
 */
import {
  type Actor,
  type AnyEventObject,
  type AnyStateMachine,
  createActor,
  fromCallback,
  fromPromise,
} from "xstate";
import { chartStateNodes } from "./chart-definition.ts";
import { ModelClock } from "./clock.ts";
import { type LifecycleModel, type StartedActor, WATCH_ACTOR } from "./model.ts";
import type { LifecycleDriver } from "./replay.ts";

export interface SimulatedLifecycle extends LifecycleDriver {
  readonly actor: Actor<AnyStateMachine>;
  readonly clock: ModelClock;
  /** Every actor the chart started, in order, with its input (the register request …). */
  readonly started: StartedActor[];
}

export interface SimulateOptions {
  /**
   * The chart with your own implementations (actions such as `reportError`, guards, delays).
   * Its actors are swapped for controlled ones. Default: the model's machine.
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

  const watch = fromCallback(({ sendBack: send, self }) => {
    started.push({ id: self.id, input: undefined });
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
  const clock = new ModelClock();
  const actor = createActor(machine.provide({ actors } as never), { input: model.input, clock });
  actor.start();

  return {
    actor,
    clock,
    started,
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
    check(step) {
      // The actors the chart started, with their inputs, are the ones the model says.
      expected.push(...step.starts);
      const actual = JSON.stringify(started);
      if (actual !== JSON.stringify(expected)) {
        throw new Error(`actors started: ${actual}, expected ${JSON.stringify(expected)}`);
      }
    },
    stop() {
      actor.stop();
    },
  };
}
