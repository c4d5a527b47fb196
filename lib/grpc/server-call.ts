import type { DescMethod, DescService } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createContextKey,
  createContextValues,
  type ContextValues,
  type HandlerContext,
  type StreamRequest,
  type StreamResponse,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import { IncomingCallScope, type IncomingCall } from "./call-context.js";
import { originalResponse } from "./response-with-message.js";

// Classes, not object literals with getters: in V8 11 (Node 20) an object literal whose accessors close
// over per-call state survives every scavenge until the next full GC. One such context per call made
// each scavenge copy and promote all calls since the last one (bench/decision: 3.4 MB and about 6 ms
// every 100 ms; server-call.test.ts shows the effect).

/**
 * The calls a server has open, to abort them on shutdown: a linked list through the calls themselves. A Set
 * would do, but one add and one delete per call churns its hash table, and V8 keeps every table replaced
 * since the last scavenge (with the calls in it) reachable from the one before.
 */
export class OpenCalls {
  #head: ServerCall | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(call: ServerCall): void {
    call.nextOpen = this.#head;
    if (this.#head !== undefined) this.#head.prevOpen = call;
    this.#head = call;
    this.#size++;
  }

  delete(call: ServerCall): void {
    if (call.prevOpen === undefined && this.#head !== call) return;
    if (call.prevOpen !== undefined) call.prevOpen.nextOpen = call.nextOpen;
    else this.#head = call.nextOpen;
    if (call.nextOpen !== undefined) call.nextOpen.prevOpen = call.prevOpen;
    call.prevOpen = call.nextOpen = undefined;
    this.#size--;
  }

  abortAll(reason: unknown): void {
    for (let call = this.#head; call !== undefined; ) {
      const next = call.nextOpen;
      call.abortNow(reason);
      call = next;
    }
  }
}

export const serverCallKey = createContextKey<ServerCall | undefined>(undefined, { description: "grpc server call" });

const deadlineError = () => new ConnectError("the operation timed out", Code.DeadlineExceeded);
const CALL_DONE = new ConnectError("call finished", Code.Canceled);

/**
 * One incoming call: its HandlerContext, what outgoing calls made while handling it inherit, and its end.
 * The AbortController (and the deadline timer with it) exists only once someone reads the signal, and
 * response headers and trailers only once touched.
 */
export class ServerCall implements IncomingCall {
  readonly ctx: ServerHandlerContext;
  #aborted = false;
  #finished = false;
  #reason: unknown;
  #scope: IncomingCallScope | undefined;
  #own: ServerResponse | undefined;
  /** Links of OpenCalls; nothing else touches them. */
  prevOpen: ServerCall | undefined;
  nextOpen: ServerCall | undefined;

  constructor(
    service: DescService,
    method: DescMethod,
    url: string,
    requestHeader: Headers,
    readonly deadlineAt: number | undefined,
    private readonly open: OpenCalls,
    private readonly onFinish: () => void,
  ) {
    this.ctx = new ServerHandlerContext(service, method, url, requestHeader, this);
    open.add(this);
  }

  get header(): Headers {
    return this.ctx.requestHeader;
  }

  get signal(): AbortSignal {
    return this.ctx.signal;
  }

  /** Whether the call was aborted (client cancel, deadline, shutdown); checks the deadline on the way. */
  get aborted(): boolean {
    if (!this.#aborted && !this.#finished && this.deadlineAt !== undefined && Date.now() >= this.deadlineAt) this.abortNow(deadlineError());
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  /** Whether the call was aborted, without checking the deadline. */
  get abortedAlready(): boolean {
    return this.#aborted;
  }

  /** What the handler runs in, so its outgoing calls inherit this call; closed at finish. */
  get scope(): IncomingCallScope {
    return (this.#scope ??= new IncomingCallScope(this));
  }

  /** Aborts the call unless it was already answered. */
  abort(why: unknown): void {
    if (!this.#finished) this.abortNow(why);
  }

  /** The call is answered: later aborts only release the signal's listeners. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.abortNow(CALL_DONE);
    this.#scope?.close();
    this.onFinish();
  }

  /** Used by the context's deadline timer and by abort/finish. */
  abortNow(why: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = why;
    this.open.delete(this);
    this.ctx.release(why);
  }

  response(stream: boolean, message: unknown): UnaryResponse | StreamResponse {
    this.#own = new ServerResponse(stream, this.ctx, message);
    return this.#own as unknown as UnaryResponse | StreamResponse;
  }

  /** The response header to send, without creating one nobody touched. */
  headerOf(res: UnaryResponse | StreamResponse): Headers | undefined {
    return originalResponse(res) === this.#own ? this.ctx.responseHeaderIfAny : res.header;
  }

  trailerOf(res: UnaryResponse | StreamResponse): Headers | undefined {
    return originalResponse(res) === this.#own ? this.ctx.responseTrailerIfAny : res.trailer;
  }

  trailerIfAny(): Headers | undefined {
    return this.ctx.responseTrailerIfAny;
  }

  /** The request as the interceptor chain sees it. */
  request(stream: boolean, message: unknown): UnaryRequest | StreamRequest {
    return new ServerRequest(stream, this.ctx, message) as unknown as UnaryRequest | StreamRequest;
  }
}

/** Connect's HandlerContext for a call served over grpc-js. */
export class ServerHandlerContext implements HandlerContext {
  readonly protocolName = "grpc";
  readonly requestMethod = "POST";
  readonly values: ContextValues;
  #controller: AbortController | undefined;
  #timer: NodeJS.Timeout | undefined;
  #responseHeader: Headers | undefined;
  #responseTrailer: Headers | undefined;

  constructor(
    readonly service: DescService,
    readonly method: DescMethod,
    readonly url: string,
    readonly requestHeader: Headers,
    private readonly call: ServerCall,
  ) {
    this.values = createContextValues().set(serverCallKey, call);
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      const call = this.call;
      if (call.abortedAlready) this.#controller.abort(call.reason);
      else if (call.deadlineAt !== undefined) {
        const left = call.deadlineAt - Date.now();
        if (left <= 0) call.abortNow(deadlineError());
        else this.#timer = setTimeout(() => call.abortNow(deadlineError()), left);
      }
    }
    return this.#controller.signal;
  }

  timeoutMs(): number | undefined {
    const at = this.call.deadlineAt;
    return at === undefined ? undefined : at - Date.now();
  }

  get responseHeader(): Headers {
    return (this.#responseHeader ??= new Headers());
  }

  get responseTrailer(): Headers {
    return (this.#responseTrailer ??= new Headers());
  }

  get responseHeaderIfAny(): Headers | undefined {
    return this.#responseHeader;
  }

  get responseTrailerIfAny(): Headers | undefined {
    return this.#responseTrailer;
  }

  abort(reason?: unknown): void {
    this.call.abort(reason);
  }

  /** The call ended or was aborted: stop the deadline timer and abort the signal if anyone holds it. */
  release(why: unknown): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#controller?.abort(why);
  }
}

/** What a request and a response of the call share: data properties, so interceptors may spread them. */
abstract class CallMessage {
  readonly service: DescService;
  readonly method: DescMethod;
  constructor(
    readonly stream: boolean,
    protected readonly ctx: ServerHandlerContext,
    readonly message: unknown,
  ) {
    this.service = ctx.service;
    this.method = ctx.method;
  }
}

/** The signal is made on first read. */
class ServerRequest extends CallMessage {
  readonly requestMethod = "POST";
  readonly url = this.ctx.url;
  readonly header = this.ctx.requestHeader;
  readonly contextValues = this.ctx.values;
  get signal(): AbortSignal {
    return this.ctx.signal;
  }
}

/** Headers and trailers are made on first read; replace the message with withMessage, not a spread. */
class ServerResponse extends CallMessage {
  get header(): Headers {
    return this.ctx.responseHeader;
  }
  get trailer(): Headers {
    return this.ctx.responseTrailer;
  }
}
