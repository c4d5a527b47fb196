import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { comparePrecedence, matchTemplate, parseTemplate, precedence, TemplateError } from "./path-template.js";

describe("path templates", () => {
  const cases: Array<[template: string, path: string, expected: Record<string, string> | undefined]> = [
    ["/v1/orders", "/v1/orders", {}],
    ["/v1/orders", "/v1/orders/", undefined],
    ["/v1/orders/{order_id}", "/v1/orders/o-1", { order_id: "o-1" }],
    ["/v1/orders/{order_id}", "/v1/orders/a%2Fb", { order_id: "a/b" }],
    ["/v1/orders/{order_id}", "/v1/orders", undefined],
    ["/v1/orders/{order_id}", "/v1/orders/o-1/x", undefined],
    ["/v1/orders/{order_id}:cancel", "/v1/orders/o-1:cancel", { order_id: "o-1" }],
    ["/v1/orders/{order_id}:cancel", "/v1/orders/o-1", undefined],
    ["/v1/ticks/{symbol}:coverage", "/v1/ticks/BTC-USD:coverage", { symbol: "BTC-USD" }],
    ["/v1/ticks/{symbol}", "/v1/ticks/BRK:A", { symbol: "BRK:A" }],
    ["/v1/risk:halt", "/v1/risk:halt", {}],
    ["/v1/risk:halt", "/v1/risk", undefined],
    ["/v1/strategies/{strategy.strategy_id}", "/v1/strategies/s1", { "strategy.strategy_id": "s1" }],
    ["/v1/{name=projects/*/books/*}", "/v1/projects/p1/books/b2", { name: "projects/p1/books/b2" }],
    ["/v1/{name=projects/*/books/*}", "/v1/projects/p1/books", undefined],
    ["/v1/{name=projects/*/files/**}", "/v1/projects/p1/files/a/b/c", { name: "projects/p1/files/a/b/c" }],
    ["/v1/{name=projects/*/files/**}", "/v1/projects/p1/files", { name: "projects/p1/files" }],
    ["/v1/{name=projects/*/files/**}:download", "/v1/projects/p1/files/a/b:download", { name: "projects/p1/files/a/b" }],
    ["/v1/*/x/{id}", "/v1/anything/x/7", { id: "7" }],
    ["/v1/**", "/v1/a/b", {}],
    ["/.well-known/jwks.json", "/.well-known/jwks.json", {}],
    ["/v1/orders/{order_id}", "/v1/orders/%E0%A4%A", undefined],
  ];
  for (const [template, path, expected] of cases) {
    test(`${template} ~ ${path}`, () => {
      assert.deepEqual(matchTemplate(parseTemplate(template), path), expected);
    });
  }

  test("parses variables, sub-patterns and verbs", () => {
    const t = parseTemplate("/v1/{name=projects/*/files/**}:download");
    assert.equal(t.verb, "download");
    assert.deepEqual(t.variables, [{ field: "name", pattern: "projects/*/files/**" }]);
  });

  for (const bad of ["v1/x", "/v1/{a", "/v1/{a}/{a}", "/v1/**/x", "/v1/{a={b}}", "/v1/{1a}", "/v1/a b"]) {
    test(`rejects ${bad}`, () => assert.throws(() => parseTemplate(bad), TemplateError));
  }

  test("literal segments outrank variables, variables outrank **, verbs outrank none", () => {
    const rank = (s: string) => precedence(parseTemplate(s));
    assert.ok(comparePrecedence(rank("/v1/orders/stream"), rank("/v1/orders/{id}")) > 0);
    assert.ok(comparePrecedence(rank("/v1/{id}/x"), rank("/v1/{name=**}")) > 0);
    assert.ok(comparePrecedence(rank("/v1/ticks/{s}:coverage"), rank("/v1/ticks/{s}")) > 0);
  });
});
