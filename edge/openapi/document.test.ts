import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { bindingsOf } from "../rest/bindings.js";
import { ALL_SERVICES } from "../testing/services.js";
import { createOpenApiDocument, openApiPath } from "./document.js";
import { generateCommentsModule } from "./proto-comments.js";

type Doc = { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, any> } };

test("every REST binding is an operation, with parameters, bodies and resolvable schema refs", () => {
  const bindings = bindingsOf(ALL_SERVICES);
  const doc = createOpenApiDocument(ALL_SERVICES, bindings, { publicMethods: ["tickmesh.identity.v1.IdentityService/GetJwks"] }) as unknown as Doc;
  const ids = new Set<string>();
  for (const b of bindings) {
    const op = doc.paths[openApiPath(b)]?.[b.httpMethod.toLowerCase()];
    assert.ok(op, `${b.httpMethod} ${b.template.source}`);
    assert.ok(!ids.has(op.operationId), `duplicate ${op.operationId}`);
    ids.add(op.operationId);
    const pathParams = op.parameters.filter((p: any) => p.in === "path").map((p: any) => p.name);
    assert.deepEqual(pathParams, b.pathFields);
    assert.equal(op.requestBody !== undefined, b.body !== "");
  }
  const refs = JSON.stringify(doc).match(/#\/components\/schemas\/[A-Za-z0-9_.]+/g) ?? [];
  for (const ref of new Set(refs)) assert.ok(doc.components.schemas[ref.split("/").pop()!], `dangling ${ref}`);

  const list = doc.paths["/v1/orders"]!.get;
  const names = list.parameters.map((p: any) => p.name);
  assert.ok(names.includes("pageSize") && names.includes("statuses") && names.includes("startTime"), names.join(","));
  assert.equal(list.parameters.find((p: any) => p.name === "startTime").schema.format, "date-time");
  assert.equal(doc.paths["/.well-known/jwks.json"]!.get.security.length, 0);
  assert.ok(doc.paths["/v1/ticks:stream"]!.get.responses["200"].content["application/x-ndjson"]);
  assert.ok(doc.paths["/v1/ticks/{symbol}:coverage"]!.get);
  assert.match(doc.paths["/v1/quotes/{symbol}"]!.get.description, /top of book/);
  const order = doc.components.schemas["tickmesh.execution.v1.Order"];
  assert.equal(order.type, "object");
  assert.ok(Object.keys(order.properties).includes("clientOrderId"));
  assert.deepEqual(doc.components.schemas["tickmesh.execution.v1.Side"].enum.slice(0, 2), ["SIDE_UNSPECIFIED", "SIDE_BUY"]);
});

test("proto-comments.gen.ts is up to date with proto/ (regenerate: npx tsx edge/openapi/gen-proto-comments.ts)", () => {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const current = readFileSync(fileURLToPath(new URL("./proto-comments.gen.ts", import.meta.url)), "utf8");
  assert.equal(current, generateCommentsModule(root));
});
