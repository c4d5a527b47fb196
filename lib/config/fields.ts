import { formatDuration, parseDuration } from "./duration.js";
import type { FieldSpec, HostPort } from "./spec.js";

const TRUE = new Set(["true", "1", "yes", "on"]);
const FALSE = new Set(["false", "0", "no", "off"]);
const INT = /^[+-]?\d+$/;
const HOST_PORT = /^(?:\[([^\]]+)\]|([^\s:[\]]+)):(\d{1,5})$/;

/** A failed parse; the caller turns it into a message with the variable name and value. */
export const INVALID = Symbol("invalid");

function range(min: number | undefined, max: number | undefined, show: (n: number) => string = String): string {
  if (min !== undefined && max !== undefined) return ` between ${show(min)} and ${show(max)}`;
  if (min !== undefined) return ` >= ${show(min)}`;
  if (max !== undefined) return ` <= ${show(max)}`;
  return "";
}

function inRange(n: number, min: number | undefined, max: number | undefined): boolean {
  return (min === undefined || n >= min) && (max === undefined || n <= max);
}

function durationBound(bound: number | string | undefined): number | undefined {
  if (bound === undefined || typeof bound === "number") return bound;
  const ms = parseDuration(bound);
  if (ms === undefined) throw new Error(`config spec: bad duration bound ${JSON.stringify(bound)}`);
  return ms;
}

/** What a field accepts, phrased to follow "expected ". */
export function expectation(field: FieldSpec): string {
  switch (field.type) {
    case "string": {
      const parts = ["a string"];
      if (field.minLength !== undefined || field.maxLength !== undefined) {
        parts.push(`of length${range(field.minLength, field.maxLength)}`);
      }
      if (field.pattern) parts.push(`matching ${field.pattern}`);
      return parts.join(" ");
    }
    case "int":
      return `an integer${range(field.min, field.max)}`;
    case "number":
      return `a number${range(field.min, field.max)}`;
    case "bool":
      return "a boolean (true/false, 1/0, yes/no, on/off)";
    case "enum":
      return `one of ${field.values.join(", ")}`;
    case "url":
      return field.protocols?.length ? `a URL (${field.protocols.join(", ")})` : "a URL";
    case "duration": {
      const bounds = range(durationBound(field.min), durationBound(field.max), formatDuration);
      return `a duration (e.g. 250ms, 5s, 2m)${bounds}`;
    }
    case "list": {
      const count = field.minItems !== undefined || field.maxItems !== undefined ? ` of${range(field.minItems, field.maxItems)} items` : "";
      return `a comma-separated list${count}`;
    }
    case "hostport":
      return "host:port with a port between 0 and 65535";
  }
}

function parseHostPort(raw: string): HostPort | typeof INVALID {
  const m = HOST_PORT.exec(raw);
  if (!m) return INVALID;
  const port = Number(m[3]);
  if (port > 65535) return INVALID;
  return { host: (m[1] ?? m[2])!, port };
}

/** Parses and range-checks one raw (non-empty) value. */
export function parseField(field: FieldSpec, raw: string): unknown {
  const text = field.type === "string" ? raw : raw.trim();
  switch (field.type) {
    case "string": {
      const okLength = inRange(text.length, field.minLength, field.maxLength);
      return okLength && (!field.pattern || field.pattern.test(text)) ? text : INVALID;
    }
    case "int": {
      const n = Number(text);
      return INT.test(text) && Number.isSafeInteger(n) && inRange(n, field.min, field.max) ? n : INVALID;
    }
    case "number": {
      const n = Number(text);
      return Number.isFinite(n) && inRange(n, field.min, field.max) ? n : INVALID;
    }
    case "bool": {
      const lower = text.toLowerCase();
      return TRUE.has(lower) ? true : FALSE.has(lower) ? false : INVALID;
    }
    case "enum":
      return field.values.includes(text) ? text : INVALID;
    case "url": {
      if (!URL.canParse(text)) return INVALID;
      const scheme = new URL(text).protocol.slice(0, -1);
      return !field.protocols || field.protocols.includes(scheme) ? text : INVALID;
    }
    case "duration": {
      const ms = parseDuration(text);
      return ms !== undefined && inRange(ms, durationBound(field.min), durationBound(field.max)) ? ms : INVALID;
    }
    case "list": {
      const items = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
      return inRange(items.length, field.minItems, field.maxItems) ? items : INVALID;
    }
    case "hostport":
      return parseHostPort(text);
  }
}

/** Turns a spec default into the parsed value; a bad default is a programming error and throws. */
export function defaultValue(key: string, field: FieldSpec): unknown {
  const given: unknown = field.default;
  if (given === undefined) return undefined;
  const value = typeof given === "string" ? parseField(field, given) : given;
  if (value === INVALID) {
    throw new Error(`config spec: default for ${key} (${field.env}) is ${JSON.stringify(given)}, expected ${expectation(field)}`);
  }
  if (Array.isArray(value)) return [...value];
  if (field.type === "hostport" && typeof value === "object" && value !== null) return { ...(value as HostPort) };
  return value;
}
