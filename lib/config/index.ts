export { defineConfig } from "./spec.js";
export type {
  BoolField,
  ConfigOf,
  ConfigSpec,
  DurationField,
  EnumField,
  FieldSpec,
  FieldType,
  HostPort,
  HostPortField,
  IntField,
  ListField,
  NumberField,
  StringField,
  UrlField,
} from "./spec.js";
export { ConfigError, loadConfig } from "./load.js";
export type { ConfigIssue } from "./load.js";
export { describeConfig, formatConfigTable } from "./describe.js";
export type { ConfigRow } from "./describe.js";
export { formatDuration, parseDuration } from "./duration.js";
