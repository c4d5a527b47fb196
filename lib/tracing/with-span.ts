import { SpanStatusCode, context, trace, type Attributes, type Context, type Span, type SpanKind, type Tracer } from "@opentelemetry/api";

export interface WithSpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** Defaults to the global tracer "tickmesh". */
  tracer?: Tracer;
  /** Parent context; the active context when omitted. */
  parent?: Context;
}

function fail(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

/**
 * Runs `fn` inside a new active span. A throw or rejection is recorded on the span and sets status ERROR,
 * then propagates; success leaves the status as `fn` set it. The span always ends.
 */
export function withSpan<T>(name: string, fn: (span: Span) => T, options: WithSpanOptions = {}): T {
  const tracer = options.tracer ?? trace.getTracer("tickmesh");
  const parent = options.parent ?? context.active();
  const spanOptions = { kind: options.kind, attributes: options.attributes };
  return tracer.startActiveSpan(name, spanOptions, parent, (span) => {
    let result: T;
    try {
      result = fn(span);
    } catch (err) {
      fail(span, err);
      span.end();
      throw err;
    }
    if (result instanceof Promise) {
      return result.then(
        (value) => {
          span.end();
          return value;
        },
        (err: unknown) => {
          fail(span, err);
          span.end();
          throw err;
        },
      ) as T;
    }
    span.end();
    return result;
  });
}
