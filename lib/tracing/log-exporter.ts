import { SpanKind } from "@opentelemetry/api";
import { ExportResultCode, hrTimeToMilliseconds, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";

/** Structural: a pino Logger fits. */
export interface SpanLogSink {
  info(obj: object, msg?: string): void;
}

const stderrSink: SpanLogSink = {
  info(obj, msg) {
    process.stderr.write(JSON.stringify({ ...obj, msg }) + "\n");
  },
};

/** Writes one structured line per finished span: the "log" exporter for local runs. */
export class LogSpanExporter implements SpanExporter {
  constructor(private readonly sink: SpanLogSink = stderrSink) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const span of spans) {
      const ctx = span.spanContext();
      this.sink.info(
        {
          span: span.name,
          scope: span.instrumentationLibrary.name,
          kind: SpanKind[span.kind],
          traceId: ctx.traceId,
          spanId: ctx.spanId,
          parentSpanId: span.parentSpanId,
          durationMs: hrTimeToMilliseconds(span.duration),
          status: span.status,
          attributes: span.attributes,
        },
        "span",
      );
    }
    done({ code: ExportResultCode.SUCCESS });
  }

  async shutdown(): Promise<void> {}

  async forceFlush(): Promise<void> {}
}
