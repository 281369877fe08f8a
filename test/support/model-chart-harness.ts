/**
 * The chart alone for behaviour tests that pin one scenario: every actor controlled by the test
 * (the watch through `emit`, each call settled by hand), timers on a ModelClock fired by name.
 */
import { type AnyEventObject, createActor, fromCallback, fromPromise } from "xstate";
import { type LifecycleInput, lifecycleMachine } from "../../machines/lifecycle.machine.ts";
import { ModelClock } from "../../src/testing/clock.ts";
import { legacyConnectedEvent } from "./fixtures.ts";
import { modelInput } from "./model-input.ts";

export interface Call {
  readonly id: string;
  readonly input: unknown;
  resolve(output?: unknown): void;
  reject(error: Error): void;
}

export function chartHarness(input: Partial<LifecycleInput> = {}) {
  const calls: Call[] = [];
  const reported: Error[] = [];
  let emit: ((event: AnyEventObject) => void) | undefined;
  const call = fromPromise<unknown, unknown>(
    ({ input: given, self }) =>
      new Promise((resolve, reject) => calls.push({ id: self.id, input: given, resolve, reject })),
  );
  const machine = lifecycleMachine.provide({
    actors: {
      watch: fromCallback(({ sendBack }) => {
        emit = sendBack;
      }),
      register: call,
      drain: call,
      deregister: call,
      stopServer: call,
    } as never,
    actions: { reportError: (_, { error }) => reported.push(error) },
  });
  const clock = new ModelClock();
  const actor = createActor(machine, { input: { ...modelInput, serverReady: true, ...input }, clock });
  actor.start();

  /** The oldest unsettled call to `id`; throws when the chart made none. */
  const pending = (id: string): Call => {
    const found = calls.find((entry) => entry.id === id && !settled.has(entry));
    if (!found)
      throw new Error(`no ${id} call is pending (calls so far: ${calls.map((c) => c.id).join(", ")})`);
    return found;
  };
  const settled = new Set<Call>();
  /** Settles the call, then lets the chart take the promise's result (it arrives a microtask later). */
  const settle = async (id: string, how: (entry: Call) => void) => {
    const entry = pending(id);
    settled.add(entry);
    how(entry);
    await new Promise((resolve) => setImmediate(resolve));
  };

  return {
    actor,
    clock,
    calls,
    reported,
    send: (event: AnyEventObject) => actor.send(event as never),
    /** An event from the watch stream (the watch actor's sendBack). */
    emit(event: AnyEventObject) {
      if (!emit) throw new Error("the watch is not running");
      emit(event);
    },
    agentConnected() {
      this.emit({ type: "WATCH.CONNECTED", event: legacyConnectedEvent });
    },
    resolve: (id: string, output?: unknown) => settle(id, (entry) => entry.resolve(output)),
    reject: (id: string, error: Error) => settle(id, (entry) => entry.reject(error)),
    /** Fires the pending timer of `delay` set by the state `stateId` (e.g. `lifecycle.stopping`). */
    expire(delay: string, stateId: string) {
      clock.expire(actor, `xstate.after.${delay}.${stateId}`);
      return clock.lastExpired?.delay;
    },
    state: () => actor.getSnapshot().value,
    /** Registered with the agent: START, `connected`, register accepted. */
    async registered() {
      actor.send({ type: "START" });
      this.agentConnected();
      await this.resolve("register");
      return this;
    },
  };
}
