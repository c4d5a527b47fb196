import { ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "../../../gen/google/rpc/error_details_pb.js";

export interface Failure {
  code: number;
  reason: string | undefined;
  field?: string | undefined;
  violation?: string | undefined;
}

/** How a call failed (code, ErrorInfo reason and, when `detailed`, the field/violation metadata); throws if it succeeded. */
export async function failure(call: Promise<unknown>, detailed = false): Promise<Failure> {
  try {
    await call;
  } catch (err) {
    if (!(err instanceof ConnectError)) throw err;
    const [info] = err.findDetails(ErrorInfoSchema);
    const out: Failure = { code: err.code, reason: info?.reason };
    if (detailed) {
      out.field = info?.metadata.field;
      out.violation = info?.metadata.violation;
    }
    return out;
  }
  throw new Error("call succeeded but a failure was expected");
}
