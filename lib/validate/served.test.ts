import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { MarketDataService, StreamTicksResponseSchema } from "../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { RiskService, RiskStateSchema } from "../../gen/tickmesh/risk/v1/risk_pb.js";
import { createGrpcTransport } from "../grpc/index.js";
import { runModules, type ServiceModule } from "../runner/index.js";

const headers = { "x-tenant-id": "t1" };

async function refusal(call: () => Promise<unknown>): Promise<{ code: Code; reason?: string; fields: string[] }> {
  try {
    await call();
  } catch (err) {
    assert.ok(err instanceof ConnectError, String(err));
    return {
      code: err.code,
      reason: err.findDetails(ErrorInfoSchema)[0]?.reason,
      fields: err.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field) ?? [],
    };
  }
  throw new Error("the call succeeded");
}

test("the runner refuses requests that break their rules before any handler runs, unary and server-streaming", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tickmesh-validate-"));
  const handled: string[] = [];
  const module: ServiceModule = {
    name: "probe",
    services: [RiskService, MarketDataService],
    async start(ctx) {
      ctx.serve(RiskService, {
        getRiskState(req) {
          handled.push(`getRiskState ${req.accountId}`);
          return create(RiskStateSchema, {});
        },
      });
      ctx.serve(MarketDataService, {
        async *streamTicks(req) {
          handled.push(`streamTicks ${req.symbols.join(",")}`);
          yield create(StreamTicksResponseSchema, {});
        },
      });
    },
  };
  const running = await runModules([module], [module], {
    TICKMESH_GRPC_PORT: "0",
    TICKMESH_METRICS_PORT: "0",
    TICKMESH_LOG_LEVEL: "silent",
    TICKMESH_DATA_DIR: dataDir,
  });
  const transport = createGrpcTransport({ address: `127.0.0.1:${running.grpcPort}` });
  try {
    const risk = createClient(RiskService, transport);
    const marketdata = createClient(MarketDataService, transport);

    assert.deepEqual(await refusal(() => risk.getRiskState({ accountId: "" }, { headers })), { code: Code.InvalidArgument, reason: "INVALID_ARGUMENT", fields: ["account_id"] });
    assert.deepEqual(await refusal(() => risk.getRiskState({ accountId: "has space" }, { headers })), { code: Code.InvalidArgument, reason: "INVALID_ARGUMENT", fields: ["account_id"] });
    const stream = async () => {
      for await (const _ of marketdata.streamTicks({ symbols: ["AAPL", ""] }, { headers }));
    };
    assert.deepEqual(await refusal(stream), { code: Code.InvalidArgument, reason: "INVALID_ARGUMENT", fields: ["symbols[1]"] });
    assert.deepEqual(handled, [], "no handler saw an invalid request");

    await risk.getRiskState({ accountId: "acc-1" }, { headers });
    for await (const _ of marketdata.streamTicks({ symbols: ["AAPL"] }, { headers }));
    assert.deepEqual(handled, ["getRiskState acc-1", "streamTicks AAPL"]);

    // The tenant check still comes first: no tenant, no validation detail.
    assert.equal((await refusal(() => risk.getRiskState({ accountId: "" }))).code, Code.Unauthenticated);
  } finally {
    transport.close();
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
