import { context, propagation, trace, type Tracer } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { Resource } from "@opentelemetry/resources";
import { BasicTracerProvider, InMemorySpanExporter, SamplingDecision, SimpleSpanProcessor, type Sampler } from "@opentelemetry/sdk-trace-base";
import { FanoutSpanProcessor } from "./fanout-processor.js";
import { LogSpanExporter, type SpanLogSink } from "./log-exporter.js";

export type TracingExporter = "none" | "log" | "memory";

export interface TracingOptions {
  /** Tracer (instrumentation scope) name; the first call also sets the resource's service.name. */
  service: string;
  /** Default "none": spans still exist (ids propagate, logs carry them) but go nowhere. */
  exporter?: TracingExporter;
  /** Sink for the "log" exporter; JSON lines on stderr when omitted. */
  logger?: SpanLogSink;
}

export interface Tracing {
  tracer: Tracer;
  /** Present when exporter is "memory"; shared by every "memory" caller in the process. */
  memoryExporter?: InMemorySpanExporter;
  /** Releases this handle; the global provider shuts down when the last handle is released. */
  shutdown(): Promise<void>;
}

interface GlobalTracing {
  provider: BasicTracerProvider;
  fanout: FanoutSpanProcessor;
  contextManager: AsyncLocalStorageContextManager;
  memoryExporter?: InMemorySpanExporter;
  logging: boolean;
  handles: number;
}

let current: GlobalTracing | undefined;

function setUp(service: string): GlobalTracing {
  const fanout = new FanoutSpanProcessor();
  const provider = new BasicTracerProvider({
    resource: new Resource({ "service.name": service }),
    sampler: recordWhileExporting(fanout),
    spanProcessors: [fanout],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(provider);
  return { provider, fanout, contextManager, logging: false, handles: 0 };
}

async function tearDown(state: GlobalTracing): Promise<void> {
  await state.provider.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
}

/**
 * Registers the tracer provider, async-local-storage context manager and W3C trace-context + baggage
 * propagators globally, once per process; later calls (all-in-one runs many services) share them and
 * may add exporters.
 */
export function initTracing(options: TracingOptions): Tracing {
  const state = (current ??= setUp(options.service));
  const exporter = options.exporter ?? "none";
  if (exporter === "memory" && !state.memoryExporter) {
    state.memoryExporter = new InMemorySpanExporter();
    state.fanout.add(new SimpleSpanProcessor(state.memoryExporter));
  }
  if (exporter === "log" && !state.logging) {
    state.logging = true;
    state.fanout.add(new SimpleSpanProcessor(new LogSpanExporter(options.logger)));
  }
  state.handles += 1;

  let released: Promise<void> | undefined;
  const handle: Tracing = {
    tracer: state.provider.getTracer(options.service),
    shutdown() {
      released ??= (async () => {
        state.handles -= 1;
        if (state.handles > 0) return state.provider.forceFlush();
        if (current === state) current = undefined;
        await tearDown(state);
      })();
      return released;
    },
  };
  if (exporter === "memory") handle.memoryExporter = state.memoryExporter;
  return handle;
}

/**
 * Spans are recorded while an exporter is attached. Without one (TICKMESH_TRACING=none) they are
 * non-recording: trace and span ids are still made and propagated in metadata, headers and logs,
 * but no attributes, timings or processor calls are paid for on every request.
 */
function recordWhileExporting(fanout: FanoutSpanProcessor): Sampler {
  return {
    shouldSample: () => ({ decision: fanout.exporting ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD }),
    toString: () => "RecordWhileExporting",
  };
}
