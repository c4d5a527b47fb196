// Per-call cost of request validation: `npx tsx lib/validate/bench.ts`.
import { create, type DescMessage } from "@bufbuild/protobuf";
import { GetBalanceRequestSchema, ListOrdersRequestSchema, PlaceOrderRequestSchema } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import { BatchGetQuotesRequestSchema } from "../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { EchoRequestSchema } from "../../gen/tickmesh/testing/v1/echo_pb.js";
import { createValidator } from "./validator.js";

const validator = createValidator();
const order = { accountId: "acc-1", clientOrderId: "c-1", symbol: "AAPL", side: 1, type: 2, quantity: "10", limitPrice: "101.25" };
const cases: Array<[string, DescMessage, Record<string, unknown>]> = [
  ["EchoRequest (no rules)", EchoRequestSchema, { text: "hi" }],
  ["GetBalanceRequest (1 pattern)", GetBalanceRequestSchema, { accountId: "acc-1" }],
  ["ListOrdersRequest (page_size, enum list)", ListOrdersRequestSchema, { pageSize: 100, statuses: [1, 2] }],
  ["PlaceOrderRequest (9 rules)", PlaceOrderRequestSchema, order],
  ["BatchGetQuotesRequest (100 symbols)", BatchGetQuotesRequestSchema, { symbols: Array.from({ length: 100 }, (_, i) => `SYM${i}`) }],
  ["PlaceOrderRequest, invalid (5 violations)", PlaceOrderRequestSchema, { ...order, accountId: "", clientOrderId: "", symbol: "", side: 0, type: 0 }],
];

for (const [name, schema, fields] of cases) {
  const message = create(schema, fields as never);
  validator.check(schema, message as never); // compile
  const iterations = 200_000;
  for (let i = 0; i < 20_000; i++) validator.check(schema, message as never);
  // CPU time, not wall time: comparable on a busy machine.
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) validator.check(schema, message as never);
  const used = process.cpuUsage(start);
  const ns = ((used.user + used.system) * 1000) / iterations;
  console.log(`${name.padEnd(44)} ${(ns / 1000).toFixed(2).padStart(7)} µs/call (CPU)`);
}
