import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { currentIncomingCall } from "./call-context.js";
import { tickmeshError } from "./errors.js";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";

export interface DeadlineOptions {
  /** Timeout for calls that set none and are not made on behalf of an incoming call with a deadline. */
  defaultTimeoutMs?: number;
}

/**
 * Propagates the incoming call's deadline and cancellation to outgoing calls: the callee gets
 * min(own timeout, what is left of the caller's deadline), and a call with no time left fails
 * DEADLINE_EXCEEDED without touching the network.
 */
export function withDeadlinePropagation(transport: Transport, options: DeadlineOptions = {}): Transport {
  function effective(timeoutMs: number | undefined, signal: AbortSignal | undefined) {
    const incoming = currentIncomingCall();
    const own = timeoutMs ?? options.defaultTimeoutMs;
    const inherited = incoming?.deadlineAt === undefined ? undefined : incoming.deadlineAt - Date.now();
    const timeout = own === undefined ? inherited : inherited === undefined ? own : Math.min(own, inherited);
    if (timeout !== undefined && timeout <= 0) {
      throw tickmeshError(Code.DeadlineExceeded, ErrorReason.DEADLINE_EXCEEDED, "deadline exceeded before the call was sent");
    }
    const inheritedSignal = incoming?.signal;
    const combined = inheritedSignal === undefined ? signal : signal === undefined ? inheritedSignal : AbortSignal.any([signal, inheritedSignal]);
    if (combined?.aborted) throw ConnectError.from(combined.reason, Code.Canceled);
    return { timeout, signal: combined };
  }
  return {
    unary(method, signal, timeoutMs, header, input, contextValues) {
      try {
        const e = effective(timeoutMs, signal);
        return transport.unary(method, e.signal, e.timeout, header, input, contextValues);
      } catch (err) {
        return Promise.reject(err);
      }
    },
    stream(method, signal, timeoutMs, header, input, contextValues) {
      try {
        const e = effective(timeoutMs, signal);
        return transport.stream(method, e.signal, e.timeout, header, input, contextValues);
      } catch (err) {
        return Promise.reject(err);
      }
    },
  };
}
