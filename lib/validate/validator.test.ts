import { test } from "node:test";
import assert from "node:assert/strict";
import { create, type DescMessage } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { PlaceOrderRequestSchema, AdjustCashRequestSchema, ListOrdersRequestSchema } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import { BatchGetQuotesRequestSchema } from "../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { StreamHistoryRequestSchema } from "../../gen/tickmesh/tickstore/v1/tickstore_pb.js";
import { GetPerformanceRequestSchema } from "../../gen/tickmesh/portfolio/v1/portfolio_pb.js";
import { CheckOrderRequestSchema } from "../../gen/tickmesh/risk/v1/risk_pb.js";
import { EchoRequestSchema } from "../../gen/tickmesh/testing/v1/echo_pb.js";
import { createValidator, hasValidationRules, violationKind } from "./index.js";

const validator = createValidator();
const validOrder = { accountId: "acc-1", clientOrderId: "c-1", symbol: "AAPL", side: 1, type: 1, quantity: "10" };

// [what, schema, fields, expected field violations as "path rule-id"]
const CASES: Array<[string, DescMessage, Record<string, unknown>, string[]]> = [
  ["a valid order", PlaceOrderRequestSchema, validOrder, []],
  ["a missing account id", PlaceOrderRequestSchema, { ...validOrder, accountId: "" }, ["account_id string.pattern"]],
  ["an id with a space", PlaceOrderRequestSchema, { ...validOrder, clientOrderId: "c 1" }, ["client_order_id string.pattern"]],
  ["a side that is neither BUY nor SELL", PlaceOrderRequestSchema, { ...validOrder, side: 0 }, ["side enum.in"]],
  ["an order type no one defined", PlaceOrderRequestSchema, { ...validOrder, type: 42 }, ["type enum.defined_only"]],
  ["a strategy id too long", PlaceOrderRequestSchema, { ...validOrder, strategyId: "s".repeat(129) }, ["strategy_id string.max_len"]],
  ["every fault at once, in field order", PlaceOrderRequestSchema, { accountId: "", clientOrderId: "", symbol: "", side: 3 }, [
    "account_id string.pattern", "client_order_id string.pattern", "symbol string.pattern", "side enum.in", "type enum.not_in",
  ]],
  ["a required message left out", AdjustCashRequestSchema, { accountId: "a", requestId: "r" }, ["amount required"]],
  ["a negative page size", ListOrdersRequestSchema, { pageSize: -1 }, ["page_size int32.gte"]],
  ["an unspecified status in a list", ListOrdersRequestSchema, { statuses: [2, 0] }, ["statuses[1] enum.not_in"]],
  ["an empty list that needs an item", BatchGetQuotesRequestSchema, { symbols: [] }, ["symbols repeated.min_items"]],
  ["too many items", BatchGetQuotesRequestSchema, { symbols: Array.from({ length: 501 }, (_, i) => `S${i}`) }, ["symbols repeated.max_items"]],
  ["a bad item among good ones", StreamHistoryRequestSchema, { symbols: ["AAPL", "no spaces"], startTime: timestampFromMs(0), endTime: timestampFromMs(1) }, ["symbols[1] string.pattern"]],
  ["required timestamps", StreamHistoryRequestSchema, { symbols: ["AAPL"] }, ["start_time required", "end_time required"]],
  ["a rule inside a nested message", CheckOrderRequestSchema, { accountId: "a", order: { symbol: "", side: 1 } }, ["order.symbol string.min_len"]],
  ["a NaN double", GetPerformanceRequestSchema, { accountId: "a", riskFreeRate: Number.NaN }, ["risk_free_rate double.gt_lt"]],
];

for (const [what, schema, fields, expected] of CASES) {
  test(`validator: ${what}`, () => {
    const error = validator.check(schema, create(schema, fields as never));
    if (expected.length === 0) return assert.equal(error, undefined);
    assert.ok(error);
    assert.equal(error.code, Code.InvalidArgument);
    const [info] = error.findDetails(ErrorInfoSchema);
    const [badRequest] = error.findDetails(BadRequestSchema);
    assert.equal(info?.reason, "INVALID_ARGUMENT");
    assert.equal(info?.domain, "tickmesh.dev");
    const firstField = expected[0]!.split(" ")[0];
    assert.equal(info?.metadata.field, firstField);
    assert.deepEqual(badRequest?.fieldViolations.map((v) => `${v.field} ${v.reason}`), expected);
    for (const v of badRequest!.fieldViolations) assert.ok(v.description.length > 0);
    assert.match(error.rawMessage, new RegExp(`^invalid ${schema.typeName.replaceAll(".", "\\.")}: ${firstField!.replace(/[[\]]/g, "\\$&")}: `));
  });
}

test("violation kinds are the coarse names services use in ErrorInfo metadata", () => {
  assert.equal(violationKind("string.pattern"), "format");
  assert.equal(violationKind("uint32.gte"), "range");
  assert.equal(violationKind("timestamp.lt"), "range");
  assert.equal(violationKind("enum.defined_only"), "enum");
  assert.equal(violationKind("repeated.min_items"), "count");
  assert.equal(violationKind("repeated.unique"), "duplicate");
  assert.equal(violationKind("required"), "required");
  assert.equal(violationKind("my_cel_rule"), "invalid");
  const error = validator.check(ListOrdersRequestSchema, create(ListOrdersRequestSchema, { pageSize: -3 }))!;
  assert.deepEqual(error.findDetails(ErrorInfoSchema)[0]?.metadata, { field: "page_size", violation: "range" });
});

test("types without rules are recognised, and pass untouched", () => {
  assert.equal(hasValidationRules(EchoRequestSchema), false);
  assert.equal(hasValidationRules(PlaceOrderRequestSchema), true);
  assert.equal(validator.check(EchoRequestSchema, create(EchoRequestSchema, { failCode: -1 })), undefined);
});

test("assert throws the same error check returns", () => {
  const bad = create(ListOrdersRequestSchema, { pageSize: -1 });
  assert.throws(() => validator.assert(ListOrdersRequestSchema, bad), (err: unknown) => err instanceof Error && /page_size/.test(err.message));
  assert.doesNotThrow(() => validator.assert(ListOrdersRequestSchema, create(ListOrdersRequestSchema, {})));
});
