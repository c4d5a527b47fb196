/** The shape of a config schema: one field per setting, each read from one environment variable. */

export interface HostPort {
  host: string;
  port: number;
}

interface FieldBase<T> {
  /** Environment variable the value is read from, e.g. "TICKMESH_GRPC_PORT". */
  env: string;
  description?: string;
  /** Fail when the variable is unset or empty and there is no default. */
  required?: boolean;
  default?: T;
  /** Never echo the value back in errors. */
  secret?: boolean;
}

export interface StringField extends FieldBase<string> {
  type: "string";
  minLength?: number;
  maxLength?: number;
  pattern?: RegExp;
}

export interface IntField extends FieldBase<number> {
  type: "int";
  min?: number;
  max?: number;
}

export interface NumberField extends FieldBase<number> {
  type: "number";
  min?: number;
  max?: number;
}

export interface BoolField extends FieldBase<boolean> {
  type: "bool";
}

export interface EnumField extends FieldBase<string> {
  type: "enum";
  values: readonly string[];
}

export interface UrlField extends FieldBase<string> {
  type: "url";
  /** Allowed schemes without the colon, e.g. ["http", "https"]. */
  protocols?: readonly string[];
}

/** Parsed to milliseconds. Defaults and bounds accept either milliseconds or a duration string ("5s"). */
export interface DurationField extends FieldBase<number | string> {
  type: "duration";
  min?: number | string;
  max?: number | string;
}

/** Comma separated; items are trimmed and empty items dropped. */
export interface ListField extends FieldBase<readonly string[] | string> {
  type: "list";
  minItems?: number;
  maxItems?: number;
}

/** "host:port" or "[ipv6]:port", parsed to { host, port }. */
export interface HostPortField extends FieldBase<HostPort | string> {
  type: "hostport";
}

export type FieldSpec =
  | StringField
  | IntField
  | NumberField
  | BoolField
  | EnumField
  | UrlField
  | DurationField
  | ListField
  | HostPortField;

export type FieldType = FieldSpec["type"];

export type ConfigSpec = Readonly<Record<string, FieldSpec>>;

type ValueOf<F> = F extends { type: "string" | "url" }
  ? string
  : F extends { type: "int" | "number" | "duration" }
    ? number
    : F extends { type: "bool" }
      ? boolean
      : F extends { type: "enum"; values: readonly (infer V)[] }
        ? V
        : F extends { type: "list" }
          ? string[]
          : F extends { type: "hostport" }
            ? HostPort
            : never;

type FieldValue<F> = F extends { required: true } | { default: unknown } ? ValueOf<F> : ValueOf<F> | undefined;

/** The parsed config object for a spec: durations in milliseconds, lists as arrays, host:port as { host, port }. */
export type ConfigOf<S extends ConfigSpec> = { readonly [K in keyof S]: FieldValue<S[K]> };

/** Identity function that keeps literal types (enum values, required flags) so `ConfigOf` can infer precisely. */
export function defineConfig<const S extends ConfigSpec>(spec: S): S {
  return spec;
}
