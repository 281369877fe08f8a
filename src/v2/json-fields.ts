/**
 * Reading parsed JSON into typed values the way Go's `encoding/json` fills a struct: an absent
 * or null field is the zero value, a field of the wrong type is an error naming it by its path
 * (`services[0].name`). Strict readers also refuse unknown fields (Go's `DisallowUnknownFields`);
 * folding readers match keys case-insensitively, as Go does, the last matching key winning.
 */
import { DecodeError } from "../agent/decode-error.ts";

type JSONObject = Record<string, unknown>;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function absent(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}

function wrongType(path: string, expected: string, value: unknown): DecodeError {
  return new DecodeError(`field "${path}" must be ${expected}, got ${describe(value)}`);
}

function isObject(value: unknown): value is JSONObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringOf(value: unknown, path: string): string {
  if (absent(value)) return "";
  if (typeof value !== "string") throw wrongType(path, "a string", value);
  return value;
}

function booleanOf(value: unknown, path: string): boolean {
  if (absent(value)) return false;
  if (typeof value !== "boolean") throw wrongType(path, "a boolean", value);
  return value;
}

/** Go's `uint`: a non-negative integer. */
function uintOf(value: unknown, path: string): number {
  if (absent(value)) return 0;
  if (typeof value !== "number") throw wrongType(path, "a number", value);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new DecodeError(`field "${path}" must be a non-negative integer, got ${value}`);
  }
  return value;
}

/** The items of an array field with their paths (`methods[2]`); absent or null is no items. */
function itemsOf(value: unknown, path: string): Array<{ value: unknown; path: string }> {
  if (absent(value)) return [];
  if (!Array.isArray(value)) throw wrongType(path, "an array", value);
  return value.map((item, index) => ({ value: item, path: `${path}[${index}]` }));
}

function stringsOf(value: unknown, path: string): string[] {
  return itemsOf(value, path).map((item) => stringOf(item.value, item.path));
}

/** One JSON object's fields, read by key under a path. */
export class Fields {
  private constructor(
    private readonly entries: JSONObject,
    private readonly path: string,
    private readonly fold: boolean,
  ) {}

  /** The whole document: it must be an object. */
  static root(value: unknown, options: { fold: boolean }): Fields {
    if (!isObject(value)) throw new DecodeError(`expected a JSON object, got ${describe(value)}`);
    return new Fields(value, "", options.fold);
  }

  /** An object field or array item; absent or null reads as an empty object. */
  static of(value: unknown, path: string, options: { fold: boolean }): Fields {
    if (absent(value)) return new Fields({}, path, options.fold);
    if (!isObject(value)) throw wrongType(path, "an object", value);
    return new Fields(value, path, options.fold);
  }

  pathOf(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  has(key: string): boolean {
    return !absent(this.get(key));
  }

  get(key: string): unknown {
    if (!this.fold) return Object.hasOwn(this.entries, key) ? this.entries[key] : undefined;
    let found: unknown;
    for (const [name, value] of Object.entries(this.entries)) {
      if (name.toLowerCase() === key.toLowerCase()) found = value;
    }
    return found;
  }

  /** Refuses a field none of `known` names (case-insensitively when folding). */
  only(known: readonly string[]): this {
    const names = new Set(known.map((name) => (this.fold ? name.toLowerCase() : name)));
    for (const name of Object.keys(this.entries)) {
      if (!names.has(this.fold ? name.toLowerCase() : name)) {
        throw new DecodeError(`unknown field "${this.pathOf(name)}"`);
      }
    }
    return this;
  }

  string(key: string): string {
    return stringOf(this.get(key), this.pathOf(key));
  }

  boolean(key: string): boolean {
    return booleanOf(this.get(key), this.pathOf(key));
  }

  uint(key: string): number {
    return uintOf(this.get(key), this.pathOf(key));
  }

  strings(key: string): string[] {
    return stringsOf(this.get(key), this.pathOf(key));
  }

  objects(key: string): Fields[] {
    return itemsOf(this.get(key), this.pathOf(key)).map((item) =>
      Fields.of(item.value, item.path, { fold: this.fold }),
    );
  }

  object(key: string): Fields {
    return Fields.of(this.get(key), this.pathOf(key), { fold: this.fold });
  }

  /** Like `object`, but with its own folding (the kernel's keys fold even in a strict document). */
  objectFolded(key: string): Fields {
    return Fields.of(this.get(key), this.pathOf(key), { fold: true });
  }
}
