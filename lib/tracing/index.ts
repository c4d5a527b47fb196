export { initTracing } from "./init.js";
export type { Tracing, TracingExporter, TracingOptions } from "./init.js";
export { extractFromHeaders, extractFromMetadata, injectToHeaders, injectToMetadata } from "./carriers.js";
export type { HeaderValue, MetadataSetter } from "./carriers.js";
export { withSpan } from "./with-span.js";
export type { WithSpanOptions } from "./with-span.js";
export { LogSpanExporter } from "./log-exporter.js";
export type { SpanLogSink } from "./log-exporter.js";
export type { InMemorySpanExporter, ReadableSpan } from "@opentelemetry/sdk-trace-base";
