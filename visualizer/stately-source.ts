/**
 * The chart as one self-contained XState file for Stately's editor: `setup({...}).createMachine({...})`
 * written from the machine's own config and implementations, so it imports only `xstate` and
 * names every state, transition, guard, delay, actor and action of the chart. What cannot travel
 * (the implementations, which read context and do I/O) becomes a named stub; the guards the chart
 * composes from `and` / `or` / `not` / `stateIn` are written as those compositions.
 */
import { type AnyStateMachine, fromCallback, fromPromise } from "xstate";

/** Source text printed as it is (a call, a stub), not as a value. */
class Code {
  constructor(readonly text: string) {}
}

export interface StatelyExport {
  /** The file's TypeScript, not yet formatted. */
  source: string;
  /** The name given to each inline action (an `assign(...)` in a transition), by the action itself. */
  inlineActions: Map<unknown, string>;
}

export interface StatelyExportOptions {
  /** The context the named delays are evaluated on (the defaults a service gets). */
  delayContext: unknown;
  /** The file's opening comment, one line per entry. */
  header: string[];
}

const stateKeys = new Set([
  ...["id", "key", "type", "initial", "states", "on", "after", "always", "invoke", "entry", "exit"],
  ...["tags", "description", "meta", "history", "target"],
]);
/** The machine's data, not its shape: Stately draws none of it, and it needs the service's input. */
const droppedStateKeys = new Set(["context", "output", "schemas"]);
const transitionKeys = new Set(["target", "guard", "actions", "reenter", "description", "meta"]);
const invokeKeys = new Set(["id", "src", "systemId", "input", "onDone", "onError", "onSnapshot"]);

function printKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
}

function print(value: unknown): string {
  if (value instanceof Code) return value.text;
  if (Array.isArray(value)) return `[${value.map(print).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, entry]) => entry !== undefined);
    const flat = entries.every(([, entry]) => entry === null || typeof entry !== "object");
    const body = entries.map(([key, entry]) => `${printKey(key)}: ${print(entry)}`);
    // A newline after `{` keeps an object open when formatted: one line per state and transition.
    return flat ? `{ ${body.join(", ")} }` : `{\n${body.join(",\n")},\n}`;
  }
  return JSON.stringify(value);
}

/** Plain data (no functions anywhere): what can be written into the file as it is. */
function isData(value: unknown): boolean {
  if (typeof value === "function") return false;
  if (Array.isArray(value)) return value.every(isData);
  if (value !== null && typeof value === "object") return Object.values(value).every(isData);
  return true;
}

function checkKeys(value: object, known: Set<string>, where: string) {
  for (const key of Object.keys(value)) {
    if (!known.has(key) && !droppedStateKeys.has(key)) {
      throw new Error(`Stately export: ${where} has "${key}", which the export does not know how to write`);
    }
  }
}

/**
 * The fields an `assign(...)` sets, read from its assignment: an object's keys, or the keys of the
 * object literal a function returns (`=> ({ a, b: 1 })`, `return { a }`). Undefined when unreadable.
 */
export function assignedFields(assignment: unknown): string[] | undefined {
  if (assignment !== null && typeof assignment === "object") return Object.keys(assignment);
  if (typeof assignment !== "function") return undefined;
  const text = Function.prototype.toString.call(assignment);
  const arrow = text.indexOf("=>");
  if (arrow < 0) return undefined;
  const body = text.slice(arrow + 2).trimStart();
  let start: number;
  if (body.startsWith("(")) start = body.indexOf("{");
  else start = body.lastIndexOf("return") < 0 ? -1 : body.indexOf("{", body.lastIndexOf("return"));
  return start < 0 ? undefined : objectKeys(body, start);
}

/** The keys of the object literal opening at `text[start]` (`{`), skipping nested code and strings. */
function objectKeys(text: string, start: number): string[] | undefined {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = start; i < text.length; i++) {
    const char = text[i] as string;
    if (char === '"' || char === "'" || char === "`") {
      i = text.indexOf(char, i + 1);
      if (i < 0) return undefined;
    } else if ("{([".includes(char)) {
      depth++;
      expectKey = depth === 1;
    } else if ("})]".includes(char)) {
      depth--;
      if (depth === 0) return keys.length > 0 ? keys : undefined;
    } else if (char === "," && depth === 1) {
      expectKey = true;
    } else if (expectKey && /[A-Za-z_$]/.test(char)) {
      const key = /^[A-Za-z_$][\w$]*/.exec(text.slice(i))?.[0] as string;
      keys.push(key);
      i += key.length - 1;
      expectKey = false;
    } else if (expectKey && char === ".") {
      return undefined; // a spread: its fields are not written here
    }
  }
  return undefined;
}

/** XState's built-in action creators carry their kind as `type` (`xstate.assign`, `xstate.raise`, …). */
function inlineActionName(action: { type?: unknown; assignment?: unknown; name: string }, where: string) {
  const kind = typeof action.type === "string" ? action.type.replace(/^xstate\./, "") : "";
  if (kind === "assign") {
    const fields = assignedFields(action.assignment);
    return fields ? `assign: ${fields.join(", ")}` : `assign (${where})`;
  }
  if (kind) return `${kind} (${where})`;
  return action.name && action.name !== "anonymous" ? action.name : `inline action (${where})`;
}

function actorStub(name: string, logic: unknown, used: Set<string>): Code {
  const transition = String((logic as { transition?: unknown }).transition);
  if (transition === String(fromCallback(() => {}).transition)) {
    used.add("fromCallback");
    return new Code("fromCallback(() => {})");
  }
  if (transition === String(fromPromise(async () => {}).transition)) {
    used.add("fromPromise");
    return new Code("fromPromise(async () => {})");
  }
  throw new Error(`Stately export: actor "${name}" is neither fromPromise nor fromCallback logic`);
}

/** A guard as code: the chart's `and` / `or` / `not` / `stateIn` compositions as they are, a reference by name. */
function guardCode(guard: unknown, used: Set<string>): Code | undefined {
  if (typeof guard === "string") return new Code(JSON.stringify(guard));
  if (typeof guard === "function") {
    const composed = guard as { name: string; guards?: unknown[]; stateValue?: unknown };
    if (composed.name === "stateIn" && composed.stateValue !== undefined) {
      used.add("stateIn");
      return new Code(`stateIn(${print(composed.stateValue)})`);
    }
    if (["and", "or", "not"].includes(composed.name) && Array.isArray(composed.guards)) {
      const parts = composed.guards.map((part) => guardCode(part, used));
      if (parts.some((part) => part === undefined)) return undefined;
      used.add(composed.name);
      const list = (parts as Code[]).map((part) => part.text).join(", ");
      return new Code(composed.name === "not" ? `not(${list})` : `${composed.name}([${list}])`);
    }
    return undefined;
  }
  if (guard !== null && typeof guard === "object" && typeof (guard as { type?: unknown }).type === "string") {
    const { type, params } = guard as { type: string; params?: unknown };
    return new Code(isData(params) && params !== undefined ? print({ type, params }) : JSON.stringify(type));
  }
  return undefined;
}

/**
 * Writes `machine` as a Stately file: its config walked state by state, references kept by name,
 * inline actions named after what they assign, implementations as stubs.
 */
export function statelyExport(machine: AnyStateMachine, options: StatelyExportOptions): StatelyExport {
  const used = new Set<string>(["setup"]);
  const inlineActions = new Map<unknown, string>();
  const inlineGuards = new Map<string, Code>();
  const implementations = machine.implementations;

  const actionRef = (action: unknown, where: string): unknown => {
    if (typeof action === "string") return action;
    if (typeof action === "function") {
      const name = inlineActionName(action as { name: string }, where);
      inlineActions.set(action, name);
      return name;
    }
    const { type, params } = action as { type: string; params?: unknown };
    return params !== undefined && isData(params) ? { type, params } : type;
  };
  const actionsRef = (actions: unknown, where: string): unknown => {
    if (actions === undefined) return undefined;
    const list = (Array.isArray(actions) ? actions : [actions]).map((action) => actionRef(action, where));
    return list.length === 1 ? list[0] : list;
  };
  const guardRef = (guard: unknown, where: string): unknown => {
    if (guard === undefined || typeof guard === "string") return guard;
    const code = guardCode(guard, used);
    if (code) return code;
    const name = (guard as { name?: string }).name || `inline guard (${where})`;
    inlineGuards.set(name, new Code("() => false"));
    return name;
  };

  const transition = (config: unknown, where: string): unknown => {
    if (config === undefined || typeof config === "string") return config;
    checkKeys(config as object, transitionKeys, `the transition ${where}`);
    const { target, guard, actions, reenter, description, meta } = config as Record<string, unknown>;
    const written = {
      target,
      guard: guardRef(guard, where),
      actions: actionsRef(actions, where),
      reenter,
      description,
      meta: isData(meta) ? meta : undefined,
    };
    const keys = Object.entries(written).filter(([, value]) => value !== undefined);
    return keys.length === 1 && typeof target === "string" ? target : written;
  };
  const transitions = (config: unknown, where: string): unknown => {
    const list = (Array.isArray(config) ? config : [config]).map((entry) => transition(entry, where));
    return list.length === 1 ? list[0] : list;
  };
  const transitionMap = (config: unknown, where: (key: string) => string) =>
    config === undefined
      ? undefined
      : Object.fromEntries(
          Object.entries(config as Record<string, unknown>).map(([key, value]) => [
            key,
            transitions(value, where(key)),
          ]),
        );

  const invoke = (config: Record<string, unknown>, where: string) => {
    checkKeys(config, invokeKeys, `the invoke in ${where}`);
    if (typeof config.src !== "string") {
      throw new Error(
        `Stately export: the invoke in ${where} runs inline logic; name it in setup({ actors })`,
      );
    }
    const id = typeof config.id === "string" ? config.id : config.src;
    return {
      id: config.id,
      src: config.src,
      systemId: config.systemId,
      input: isData(config.input) ? config.input : undefined,
      onDone: config.onDone === undefined ? undefined : transitions(config.onDone, `${where} done: ${id}`),
      onError:
        config.onError === undefined ? undefined : transitions(config.onError, `${where} error: ${id}`),
      onSnapshot:
        config.onSnapshot === undefined
          ? undefined
          : transitions(config.onSnapshot, `${where} snapshot: ${id}`),
    };
  };

  const state = (config: Record<string, unknown>, path: string): Record<string, unknown> => {
    checkKeys(config, stateKeys, `state ${path}`);
    const invokes = config.invoke === undefined ? undefined : [config.invoke].flat();
    const states = config.states as Record<string, Record<string, unknown>> | undefined;
    return {
      id: config.id,
      type: config.type,
      initial: config.initial,
      history: config.history,
      target: config.target,
      tags: config.tags,
      description: config.description,
      meta: isData(config.meta) ? config.meta : undefined,
      entry: actionsRef(config.entry, `${path} entry`),
      exit: actionsRef(config.exit, `${path} exit`),
      invoke:
        invokes?.length === 1
          ? invoke(invokes[0] as Record<string, unknown>, path)
          : invokes?.map((entry) => invoke(entry as Record<string, unknown>, path)),
      on: transitionMap(config.on, (event) => `${path} ${event}`),
      after: transitionMap(config.after, (delay) => `${path} after ${delay}`),
      always: config.always === undefined ? undefined : transitions(config.always, `${path} always`),
      states:
        states === undefined
          ? undefined
          : Object.fromEntries(
              Object.entries(states).map(([key, child]) => [key, state(child, `${path}.${key}`)]),
            ),
    };
  };

  const chart = state(machine.config as Record<string, unknown>, machine.id);

  const delays = Object.fromEntries(
    Object.entries(implementations.delays).map(([name, delay]) => [
      name,
      typeof delay === "number" ? delay : delayAtDefaults(name, delay, options.delayContext),
    ]),
  );
  const guards = {
    ...Object.fromEntries(
      Object.entries(implementations.guards).map(([name, guard]) => [
        name,
        guardCode(guard, used) ?? new Code("() => false"),
      ]),
    ),
    ...Object.fromEntries(inlineGuards),
  };
  const actionNames = [...Object.keys(implementations.actions), ...new Set(inlineActions.values())];
  const setupConfig = {
    actors: Object.fromEntries(
      Object.entries(implementations.actors).map(([name, logic]) => [name, actorStub(name, logic, used)]),
    ),
    guards,
    delays,
    actions: Object.fromEntries(actionNames.map((name) => [name, new Code("() => {}")])),
  };

  const imports = [...used].sort();
  const source = [
    "/**",
    ...options.header.map((line) => (line ? ` * ${line}` : " *")),
    " */",
    `import { ${imports.join(", ")} } from "xstate";`,
    "",
    `export const ${machine.id}Machine = setup(${print(setupConfig)}).createMachine(${print(chart)});`,
    "",
  ].join("\n");
  return { source, inlineActions };
}

/** A delay's value for a service on the defaults; a jittered backoff at the middle of its window. */
function delayAtDefaults(name: string, delay: unknown, context: unknown): number {
  const random = Math.random;
  Math.random = () => 0.5;
  try {
    const value = (delay as (args: { context: unknown; event: unknown }) => unknown)({
      context,
      event: { type: "" },
    });
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new Error(`Stately export: delay "${name}" gave ${String(value)} on the default options`);
    }
    return value;
  } finally {
    Math.random = random;
  }
}
