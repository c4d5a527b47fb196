import { INVALID, defaultValue, expectation, parseField } from "./fields.js";
import type { ConfigOf, ConfigSpec } from "./spec.js";

export interface ConfigIssue {
  /** Property name in the config object. */
  key: string;
  /** Environment variable name. */
  env: string;
  /** The raw value, undefined when the variable was missing; never set for secrets. */
  value: string | undefined;
  expected: string;
  /** One line, e.g. `TICKMESH_GRPC_PORT="abc": expected an integer between 1 and 65535`. */
  message: string;
}

/** Every problem found in one load, so an operator can fix them all at once. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly issues: readonly ConfigIssue[]) {
    const n = issues.length;
    super(`invalid configuration (${n} problem${n === 1 ? "" : "s"}):\n${issues.map((i) => `  ${i.message}`).join("\n")}`);
  }
}

/** Reads every field of `spec` from `env`; an empty variable counts as unset. Throws ConfigError listing all problems. */
export function loadConfig<S extends ConfigSpec>(spec: S, env: NodeJS.ProcessEnv | Record<string, string | undefined> = process.env): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  const issues: ConfigIssue[] = [];
  for (const [key, field] of Object.entries(spec)) {
    const raw = env[field.env];
    if (raw === undefined || raw === "") {
      const fallback = defaultValue(key, field);
      if (fallback === undefined && field.required) {
        const expected = expectation(field);
        issues.push({ key, env: field.env, value: undefined, expected, message: `${field.env} is required but not set: expected ${expected}` });
      }
      out[key] = fallback;
      continue;
    }
    const value = parseField(field, raw);
    if (value === INVALID) {
      const expected = expectation(field);
      const shown = field.secret ? "<redacted>" : JSON.stringify(raw);
      issues.push({ key, env: field.env, value: field.secret ? undefined : raw, expected, message: `${field.env}=${shown}: expected ${expected}` });
      continue;
    }
    out[key] = value;
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return Object.freeze(out) as ConfigOf<S>;
}
