import assert from "node:assert/strict";
import { test } from "node:test";
import { setFlagsFromString, getHeapSpaceStatistics } from "node:v8";
import { runInNewContext } from "node:vm";
import { EchoService } from "../../gen/tickmesh/testing/v1/echo_pb.js";
import { OpenCalls, ServerCall } from "./server-call.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as (options?: { type: "minor" | "major" }) => void;
const oldSpaceUsed = () => getHeapSpaceStatistics().find((s) => s.space_name === "old_space")!.space_used_size;

/** Bytes that `make` leaves in old space after 20,000 throwaway objects and two scavenges. */
function promotedBy(make: (i: number) => unknown): number {
  gc();
  const before = oldSpaceUsed();
  let last: unknown;
  for (let i = 0; i < 20_000; i++) last = make(i);
  gc({ type: "minor" });
  gc({ type: "minor" });
  assert.ok(last !== undefined);
  return oldSpaceUsed() - before;
}

test("the check sees what it guards against: object literals whose getters close over per-call state outlive scavenges", () => {
  const literal = (i: number) => {
    const state = new Array(100).fill(i);
    return { get state() { return state; } };
  };
  assert.ok(promotedBy(literal) > 2_000_000);
});

// The signal is not read here: Node 20's AbortSignal itself outlives scavenges (about 700 bytes each,
// measured), which is why ServerCall makes it only for handlers and outgoing calls that ask for it.
test("finished server calls die young: scavenges neither copy nor promote them", () => {
  const method = EchoService.method.echo;
  const open = new OpenCalls();
  const promoted = promotedBy((i) => {
    const call = new ServerCall(EchoService, method, "/tickmesh.testing.v1.EchoService/Echo", new Headers({ "x-tenant-id": `t${i}` }), Date.now() + 5000, open, () => {});
    const req = call.request(false, { text: "x" });
    call.ctx.responseHeader.set("x-n", String(i));
    call.response(false, req.message);
    call.finish();
    return call;
  });
  assert.equal(open.size, 0);
  assert.ok(promoted < 1_000_000, `${promoted} bytes promoted`);
});

test("open calls: added, removed in any order, and all aborted on shutdown", () => {
  const method = EchoService.method.echo;
  const open = new OpenCalls();
  const calls = Array.from({ length: 4 }, () => new ServerCall(EchoService, method, "/x", new Headers(), undefined, open, () => {}));
  assert.equal(open.size, 4);
  calls[1]!.finish();
  calls[3]!.finish();
  calls[3]!.finish();
  assert.equal(open.size, 2);
  open.abortAll(new Error("shutting down"));
  assert.equal(open.size, 0);
  assert.deepEqual(calls.map((c) => c.aborted), [true, true, true, true]);
  assert.equal((calls[0]!.reason as Error).message, "shutting down");
  assert.equal((calls[2]!.reason as Error).message, "shutting down");
  assert.notEqual((calls[1]!.reason as Error).message, "shutting down");
});
