import { trace } from "@opentelemetry/api";
import { hostname } from "node:os";
import { pino, type DestinationStream, type Level, type Logger } from "pino";
import { currentCorrelationId } from "./correlation.js";

export type { Logger } from "pino";

export interface LoggerOptions {
  service: string;
  /** Default "info". */
  level?: Level | "silent";
  /** Where lines go; stdout by default. Tests pass a stream to capture output. */
  destination?: DestinationStream;
}

/** Fields from the active context: correlation id and the active span's trace/span ids. */
export function contextFields(): { correlationId?: string; traceId?: string; spanId?: string } {
  const fields: { correlationId?: string; traceId?: string; spanId?: string } = {};
  const correlationId = currentCorrelationId();
  if (correlationId !== undefined) fields.correlationId = correlationId;
  const span = trace.getActiveSpan()?.spanContext();
  if (span && trace.isSpanContextValid(span)) {
    fields.traceId = span.traceId;
    fields.spanId = span.spanId;
  }
  return fields;
}

/** JSON logger with `service`, ISO time, a string `level`, and context fields on every line. */
export function createLogger(options: LoggerOptions): Logger {
  const { service, level = "info", destination } = options;
  const config = {
    level,
    base: { service, pid: process.pid, hostname: hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    mixin: contextFields,
  };
  return destination ? pino(config, destination) : pino(config);
}
