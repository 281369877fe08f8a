/**
 * Replays a model path against any system that runs the chart: a driver makes each cause happen
 * (the simulation resolves a promise, a real agent writes a frame), then the replay waits until
 * the chart has processed the cause's event and checks the state it reached, the status change
 * the step implies, and, at the end of the way out, the output.
 */
import type { AnyActorRef, AnyMachineSnapshot, InspectionEvent } from "xstate";
import type { Status } from "../../machines/types.ts";
import type { LifecycleCoverage } from "./coverage.ts";
import type { LifecycleModel, LifecyclePath, ModelStep } from "./model.ts";
import { statusProblems } from "./status-check.ts";

export interface LifecycleDriver {
  /** The chart's running actor inside the system under test. */
  readonly actor: AnyActorRef;
  /** Events the system may send the chart on its own between steps (e.g. WATCH.ACTIVITY per byte). */
  readonly incidental?: readonly string[];
  /** Makes the step's cause happen. */
  cause(step: ModelStep): void | Promise<void>;
  /** Checks of your own once the chart took the step (what the agent received …). */
  check?(step: ModelStep, observed: AnyMachineSnapshot): void | Promise<void>;
  /** Releases what the driver holds; called when the path ends, failed or not. */
  stop(): void | Promise<void>;
}

export interface ReplayOptions {
  coverage?: LifecycleCoverage;
  /** How long a cause may take to reach the chart. Default 5000 ms. */
  timeoutMs?: number;
}

/** The events the root actor processed, in order, with the snapshot each one produced. */
interface Processed {
  type: string;
  snapshot: AnyMachineSnapshot;
}

class ProcessedEvents {
  readonly #entries: Processed[] = [];
  readonly #actor: AnyActorRef;
  readonly #incidental: ReadonlySet<string>;
  readonly #subscription: { unsubscribe(): void };
  #cursor = 0;
  #wake: (() => void) | undefined;

  constructor(actor: AnyActorRef, incidental: readonly string[]) {
    this.#actor = actor;
    this.#incidental = new Set(incidental);
    this.#subscription = actor.system.inspect((event: InspectionEvent) => {
      if (event.type !== "@xstate.snapshot" || event.actorRef !== actor) return;
      this.#entries.push({ type: event.event.type, snapshot: event.snapshot as AnyMachineSnapshot });
      this.#wake?.();
    });
  }

  /** The snapshot right after the chart processed the next `type`; any other event first is an error. */
  async next(type: string, timeoutMs: number): Promise<AnyMachineSnapshot> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.#cursor < this.#entries.length) {
        const entry = this.#entries[this.#cursor++] as Processed;
        if (entry.type === type) return entry.snapshot;
        if (!this.#incidental.has(entry.type)) {
          throw new Error(`the chart got ${entry.type} where the step's cause should have sent ${type}`);
        }
      }
      const left = deadline - Date.now();
      const woken = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), Math.max(0, left));
        this.#wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      this.#wake = undefined;
      if (!woken) {
        const value = JSON.stringify(this.#actor.getSnapshot().value);
        throw new Error(`the chart got no ${type} within ${timeoutMs} ms (it is in ${value})`);
      }
    }
  }

  close(): void {
    this.#subscription.unsubscribe();
  }
}

function checkStep(model: LifecycleModel, step: ModelStep, before: Status, observed: AnyMachineSnapshot) {
  const problems: string[] = [];
  const wanted = JSON.stringify(step.after.value);
  const value = JSON.stringify(observed.value);
  if (value !== wanted) problems.push(`state is ${value}, expected ${wanted}`);
  const change = model.expectedChange(step, before);
  problems.push(...statusProblems(before, observed.context.status, change));
  if (step.after.status === "done") {
    const error = (observed.output as { error?: Error | null } | undefined)?.error ?? null;
    if (observed.status !== "done") problems.push(`the actor is ${observed.status}, expected done`);
    if (change.failsShutdown && !error?.message.includes(change.errorText ?? "")) {
      problems.push(`output error is ${error?.message ?? "null"}, expected "${change.errorText}"`);
    }
    if (!change.failsShutdown && error) problems.push(`output error is "${error.message}", expected none`);
  }
  if (problems.length > 0) throw new Error(problems.join("; "));
}

/** Replays `path` through `driver`, checking every step; stops the driver at the end. */
export async function replayPath(
  model: LifecycleModel,
  path: LifecyclePath,
  driver: LifecycleDriver,
  options: ReplayOptions = {},
): Promise<void> {
  const { actor } = driver;
  const events = new ProcessedEvents(actor, driver.incidental ?? []);
  const watched = options.coverage?.observe(actor);
  let status = (actor.getSnapshot() as AnyMachineSnapshot).context.status as Status;
  try {
    for (const step of path.steps) {
      try {
        await driver.cause(step);
        const observed = await events.next(step.event.type, options.timeoutMs ?? 5_000);
        checkStep(model, step, status, observed);
        await driver.check?.(step, observed);
        options.coverage?.recordEdge(step.edge);
        status = observed.context.status as Status;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(
          `step ${step.index} (${step.cause.name} in ${model.stateKey(step.before)}): ${reason}\n` +
            `  path: ${path.description}`,
          { cause: error },
        );
      }
    }
  } finally {
    watched?.unsubscribe();
    events.close();
    await driver.stop();
  }
}
