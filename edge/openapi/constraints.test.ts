import { test } from "node:test";
import assert from "node:assert/strict";
import { bindingsOf } from "../rest/bindings.js";
import { ALL_SERVICES } from "../testing/services.js";
import { createOpenApiDocument } from "./document.js";

test("the OpenAPI document carries the buf.validate rules JSON Schema can say", () => {
  const doc = createOpenApiDocument(ALL_SERVICES, bindingsOf(ALL_SERVICES)) as any;
  const placeOrder = doc.components.schemas["tickmesh.execution.v1.PlaceOrderRequest"];
  assert.equal(placeOrder.properties.accountId.pattern, "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$");
  assert.equal(placeOrder.properties.strategyId.maxLength, 128);
  const adjustCash = doc.paths["/v1/accounts/{account_id}:adjustCash"].post.requestBody.content["application/json"].schema;
  assert.deepEqual(adjustCash.required, ["amount"]);

  const pageSize = doc.paths["/v1/orders"].get.parameters.find((p: any) => p.name === "pageSize");
  assert.equal(pageSize.schema.minimum, 0);
  const symbols = doc.paths["/v1/quotes"].get.parameters.find((p: any) => p.name === "symbols");
  assert.deepEqual(symbols.schema, { type: "array", items: { type: "string", minLength: 1 }, minItems: 1, maxItems: 500 });
  const rate = doc.paths["/v1/portfolio/performance"].get.parameters.find((p: any) => p.name === "riskFreeRate").schema;
  assert.equal(rate.exclusiveMinimum, -1);
  assert.equal(rate.exclusiveMaximum, 10);
  // Responses keep no rules: Order has no constraints.
  assert.equal(doc.components.schemas["tickmesh.execution.v1.Order"].properties.accountId.pattern, undefined);
});
