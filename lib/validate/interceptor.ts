import type { DescMessage } from "@bufbuild/protobuf";
import type { Interceptor, StreamRequest } from "@connectrpc/connect";
import { sharedValidator, type Validator } from "./validator.js";

/**
 * A server interceptor refusing, before the handler runs, every request message that breaks its
 * buf.validate rules; for streaming calls each message is checked as the handler pulls it.
 */
export function validateRequests(validator: Validator = sharedValidator()): Interceptor {
  return (next) => async (req) => {
    if (!req.stream) {
      validator.assert(req.method.input, req.message as never);
      return next(req);
    }
    // The same request with its messages checked; inheriting keeps its lazy getters (signal) lazy.
    const message = checked(validator, req.method.input, (req as StreamRequest).message);
    return next(Object.create(req, { message: { value: message, enumerable: true } }) as StreamRequest);
  };
}

async function* checked(validator: Validator, schema: DescMessage, messages: AsyncIterable<unknown>): AsyncIterable<never> {
  for await (const message of messages) {
    validator.assert(schema, message as never);
    yield message as never;
  }
}
