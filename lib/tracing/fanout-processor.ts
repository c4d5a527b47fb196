import type { Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";

/** A span processor whose targets can be added after the provider is built (later initTracing calls). */
export class FanoutSpanProcessor implements SpanProcessor {
  private readonly targets: SpanProcessor[] = [];

  add(target: SpanProcessor): void {
    this.targets.push(target);
  }

  /** Whether any exporter is attached: without one, recording spans would be work thrown away. */
  get exporting(): boolean {
    return this.targets.length > 0;
  }

  onStart(span: Span, parentContext: Context): void {
    for (const t of this.targets) t.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    for (const t of this.targets) t.onEnd(span);
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.targets.map((t) => t.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.targets.map((t) => t.shutdown()));
  }
}
