import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { create, toJson, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { errorInfo } from "../../lib/grpc/errors.js";
import { sharedValidator } from "../../lib/validate/validator.js";
import { ErrorReason } from "../../gen/tickmesh/common/v1/errors_pb.js";
import { GetPositionsResponseSchema, ListOrdersResponseSchema, PlaceOrderRequestSchema } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import { AccountBalanceSchema, AccountKind, OrderType, Side, TimeInForce } from "../../gen/tickmesh/execution/v1/orders_pb.js";
import { startStack, type Stack } from "./testing/stack.js";
import { validatePlaceOrder } from "./validation.js";

// Fixed seed so a failure replays; fast-check prints seed and path on failure. Override with FUZZ_SEED.
const SEED = Number(process.env.FUZZ_SEED ?? 8_2026);
type OrderInit = MessageInitShape<typeof PlaceOrderRequestSchema>;

const validDecimal = fc.tuple(fc.bigInt({ min: 0n, max: 99_999n }), fc.option(fc.nat({ max: 999_999 }), { nil: undefined })).map(([i, f]) => (f === undefined ? `${i}` : `${i}.${f}`));
const badDecimal = fc.oneof(
  fc.constantFrom("1e5", "1E5", "NaN", "Infinity", "-Infinity", "0.", ".5", "+1", " 1", "1 ", "", "0x10", "1_0", "1,5", "--1", "1.2.3", "١٢٣", "１２", "๑", "𝟏", "1.0000000000001"),
  fc.nat({ max: 30 }).map((n) => `1${"0".repeat(18 + n)}`),
  fc.string({ unit: "binary", maxLength: 12 }).filter((s) => !/^-?[0-9]+(\.[0-9]+)?$/.test(s)),
);
const nonPositive = fc.oneof(fc.constantFrom("0", "-0", "0.0", "-0.000"), validDecimal.map((d) => `-${d}`));
const decimalField = fc.oneof(validDecimal, badDecimal, nonPositive, fc.constantFrom("100000000001", "1000001", "999999999999999999.999999999999"));
const badId = fc.oneof(fc.constantFrom("", " ", "-a", ".a", "a b", "a/b", "a\u0000", "é", "😀", "a".repeat(65)), fc.string({ unit: "binary", maxLength: 70 }));
const enumValue = fc.oneof(fc.integer({ min: -3, max: 8 }), fc.constantFrom(2 ** 31 - 1, -(2 ** 31)));

/** A valid resting buy (a GTC limit well under the market), with one to three fields replaced by something hostile. */
function orderArb(accountId: string, symbol: string): fc.Arbitrary<OrderInit> {
  const mutation = fc.oneof(
    fc.record({ accountId: fc.oneof(badId, fc.constant("acct-elsewhere")) }),
    fc.record({ clientOrderId: badId }),
    fc.record({ symbol: fc.oneof(badId, fc.constantFrom("NOPE", "a".repeat(33), "A B")) }),
    fc.record({ side: enumValue }),
    fc.record({ type: enumValue }),
    fc.record({ timeInForce: enumValue }),
    fc.record({ quantity: decimalField }),
    fc.record({ limitPrice: decimalField }),
    fc.record({ stopPrice: decimalField }),
    fc.record({ strategyId: fc.nat({ max: 200 }).map((n) => "s".repeat(n)) }),
    fc.record({ decisionId: fc.string({ unit: "binary", maxLength: 140 }) }),
  );
  return fc.tuple(fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.uuid()).map(([changes, id]) =>
    Object.assign({ accountId, clientOrderId: `c-${id}`, symbol, side: Side.BUY, type: OrderType.LIMIT, quantity: "1", limitPrice: "50", timeInForce: TimeInForce.GTC }, ...changes),
  );
}

const STABLE = new Set(Object.values(ErrorReason).filter((v): v is string => typeof v === "string" && v !== "UNSPECIFIED"));

function assertStableRejection(err: unknown, codes: Code[]): void {
  assert.ok(err instanceof ConnectError, `threw ${String(err)}`);
  assert.ok(codes.includes(err.code), `code ${Code[err.code]}: ${err.message}`);
  const reason = errorInfo(err)?.reason;
  assert.ok(reason !== undefined && STABLE.has(reason), `reason ${reason}: ${err.message}`);
}

describe("validatePlaceOrder", () => {
  test("any request: a canonical order or INVALID_ARGUMENT with INVALID_ARGUMENT / INVALID_DECIMAL and the field", () => {
    fc.assert(
      fc.property(orderArb("acct-1", "AAPL"), (init) => {
        let valid;
        try {
          valid = validatePlaceOrder(create(PlaceOrderRequestSchema, init));
        } catch (err) {
          assertStableRejection(err, [Code.InvalidArgument]);
          const info = errorInfo(err as ConnectError)!;
          assert.ok(["INVALID_ARGUMENT", "INVALID_DECIMAL"].includes(info.reason));
          assert.ok(info.metadata.field, `no field in ${(err as Error).message}`);
          return;
        }
        assert.ok(valid.quantity.isPositive());
        assert.match(valid.quantity.toString(), /^[0-9]+(\.[0-9]+)?$/);
        assert.ok(valid.side === Side.BUY || valid.side === Side.SELL);
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });

  test("the service is exactly as strict as the contract's buf.validate rules on ids, enums and text lengths", () => {
    const contract = sharedValidator();
    const text = fc.oneof(fc.string({ unit: "binary", maxLength: 140 }), fc.string({ unit: "grapheme", minLength: 120, maxLength: 135 }), badId);
    const change = fc.oneof(
      fc.tuple(fc.constantFrom("accountId", "clientOrderId", "symbol", "strategyId", "runId", "decisionId"), text),
      fc.tuple(fc.constantFrom("side", "type", "timeInForce"), enumValue),
    );
    const base = { accountId: "acct-1", clientOrderId: "c-1", symbol: "AAPL", side: Side.BUY, type: OrderType.STOP_LIMIT, quantity: "1", limitPrice: "50", stopPrice: "51", timeInForce: TimeInForce.GTC };
    fc.assert(
      fc.property(change, ([field, value]) => {
        const order = { ...base, [field]: value };
        if (field === "type") {
          // The prices a type needs (and only those): the service's own rule, not the contract's.
          order.limitPrice = value === OrderType.LIMIT || value === OrderType.STOP_LIMIT ? "50" : "";
          order.stopPrice = value === OrderType.STOP || value === OrderType.STOP_LIMIT ? "51" : "";
        }
        const message = create(PlaceOrderRequestSchema, order);
        const contractOk = (() => {
          try {
            contract.assert(PlaceOrderRequestSchema, message);
            return true;
          } catch {
            return false;
          }
        })();
        let serviceOk = true;
        try {
          validatePlaceOrder(message);
        } catch {
          serviceOk = false;
        }
        const shown = typeof value === "string" ? `${JSON.stringify(value)} (${[...value].length} characters)` : value;
        assert.equal(serviceOk, contractOk, `${field}=${shown}: service ${serviceOk}, contract ${contractOk}`);
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });

  test("every decimal outside the strict grammar is INVALID_DECIMAL on its field", () => {
    fc.assert(
      fc.property(fc.constantFrom("quantity", "limitPrice"), badDecimal.filter((d) => d !== ""), (field, text) => {
        const init = { accountId: "a", clientOrderId: "c", symbol: "AAPL", side: Side.BUY, type: OrderType.LIMIT, quantity: "1", limitPrice: "50", [field]: text };
        assert.throws(() => validatePlaceOrder(create(PlaceOrderRequestSchema, init)), (err) => {
          const info = errorInfo(err as ConnectError);
          return (err as ConnectError).code === Code.InvalidArgument && info?.reason === "INVALID_DECIMAL" && info.metadata.field === (field === "quantity" ? "quantity" : "limit_price");
        });
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});

describe("PlaceOrder on a running execution service", () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack.stop();
  });

  test("hostile requests are accepted or refused with a stable reason; a refusal leaves orders, positions and cash as they were", async () => {
    const { exec } = stack.as("fuzz");
    const accountId = "acct-fuzz";
    stack.quotes.instrument("FZ");
    await stack.quotes.set("FZ", { bid: "99", bidSize: "100", ask: "100", askSize: "100" });
    await exec.createAccount({ accountId, kind: AccountKind.PAPER, baseCurrency: "USD", initialCash: "100000" });
    const snapshot = async () => {
      const [orders, positions, balance] = await Promise.all([exec.listOrders({ accountId, pageSize: 1000 }), exec.getPositions({ accountId }), exec.getBalance({ accountId })]);
      return JSON.stringify([toJson(ListOrdersResponseSchema, orders), toJson(GetPositionsResponseSchema, positions), toJson(AccountBalanceSchema, balance)]);
    };
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(orderArb(accountId, "FZ"), async (init) => {
        const before = await snapshot();
        try {
          await exec.placeOrder(init);
          accepted++;
          return;
        } catch (err) {
          // NOT_FOUND: another account id (unknown to this tenant); the rest is bad input.
          assertStableRejection(err, [Code.InvalidArgument, Code.NotFound]);
          refused++;
        }
        assert.equal(await snapshot(), before, `state changed after refusing ${JSON.stringify(init)}`);
      }),
      { seed: SEED, numRuns: 100 },
    );
    assert.ok(refused > 30, `only ${refused} refusals (${accepted} accepted): the generator must mostly produce bad input`);
  });
});
