import type { StreamResponse, UnaryResponse } from "@connectrpc/connect";

type AnyResponse = UnaryResponse | StreamResponse;

/**
 * The response with another message. A spread would read (and so create) the header and trailer, and
 * drop accessors that live on a prototype; this keeps both lazy and reachable.
 */
export function withMessage<R extends AnyResponse>(res: R, message: R["message"]): R {
  return new MessageReplaced(res, message) as unknown as R;
}

/** The response withMessage started from (the argument itself if it is not a replacement). */
export function originalResponse(res: AnyResponse): AnyResponse {
  let r = res;
  while (r instanceof MessageReplaced) r = r.original;
  return r;
}

class MessageReplaced {
  constructor(
    readonly original: AnyResponse,
    readonly message: unknown,
  ) {}
  get stream() {
    return this.original.stream;
  }
  get service() {
    return this.original.service;
  }
  get method() {
    return this.original.method;
  }
  get header() {
    return this.original.header;
  }
  get trailer() {
    return this.original.trailer;
  }
}
