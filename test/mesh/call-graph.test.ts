import { test } from "node:test";
import assert from "node:assert/strict";
import { EDGE, SERVICES, TRUST_DOMAIN, NAMESPACE, hostOf, serviceAccountOf } from "../../deploy/catalog.js";
import { registeredModules, scanCallGraph } from "../../deploy/call-graph.js";
import { addCall, catalogGraph, grpcPath, graphToObject, methodsOf, type CallGraph } from "../../deploy/methods.js";
import { committedDocuments, ofKind, root } from "./committed-manifests.js";

type Obj = Record<string, any>;
const docs = committedDocuments();
const code = scanCallGraph(root);
const catalog = graphToObject(catalogGraph());
const principalPrefix = `${TRUST_DOMAIN}/ns/${NAMESPACE}/sa/`;
const saToName = new Map([...SERVICES.map((s) => s.name), EDGE].map((n) => [serviceAccountOf(n), n]));

/** The graph the committed AuthorizationPolicies allow: principal -> workload -> paths. */
function policyGraph(): CallGraph {
  const graph: CallGraph = new Map();
  for (const p of ofKind(docs, "AuthorizationPolicy") as Obj[]) {
    const app = p.spec.selector?.matchLabels?.app as string | undefined;
    if (!app || app === EDGE) continue;
    assert.equal(p.spec.action, "ALLOW", p.metadata.name);
    for (const rule of p.spec.rules as Obj[]) {
      const principals = rule.from.flatMap((f: Obj) => f.source.principals as string[]);
      const paths = rule.to.flatMap((t: Obj) => t.operation.paths as string[]);
      for (const principal of principals) {
        assert.ok(principal.startsWith(principalPrefix), principal);
        const caller = saToName.get(principal.slice(principalPrefix.length));
        assert.ok(caller, `unknown principal ${principal}`);
        for (const path of paths) addCall(graph, caller, app, path);
      }
    }
  }
  return graph;
}

test("the call graph in the code equals the catalog, for every caller the runner registers and the edge", (t) => {
  const checked = [...registeredModules(root), EDGE];
  const fromCode = graphToObject(code.graph);
  for (const caller of checked) {
    assert.deepEqual(fromCode[caller] ?? {}, catalog[caller] ?? {}, `${caller}: code calls (left) differ from the catalog's callers (right)`);
  }
  // Services still being written are checked as soon as services/catalog.ts registers them.
  const pending = [...new Set([...Object.keys(fromCode), ...Object.keys(catalog)])].filter((c) => !checked.includes(c)).sort();
  for (const caller of pending) {
    const same = JSON.stringify(fromCode[caller] ?? {}) === JSON.stringify(catalog[caller] ?? {});
    t.diagnostic(`${caller}: not registered yet; code ${same ? "matches" : "differs from"} the catalog`);
  }
});

test("the scanner sees real calls: every client a checked caller builds is used, and each call names a served method", () => {
  const checked = new Set([...registeredModules(root), EDGE]);
  assert.ok(code.calls.length > 0, "no gRPC calls found in the code");
  const served = new Set(SERVICES.flatMap((s) => methodsOf(s).map(grpcPath)));
  for (const call of code.calls) assert.ok(served.has(call.path), `${call.at}: ${call.path}`);
  for (const client of code.clients.filter((c) => checked.has(c.caller) && c.service)) {
    const used = code.calls.some((c) => c.caller === client.caller && c.path.startsWith(`/${client.service}/`));
    assert.ok(used, `${client.at}: ${client.caller} builds a ${client.service} client but calls none of its methods`);
  }
});

test("the AuthorizationPolicies allow exactly the catalog's call graph", () => {
  assert.deepEqual(graphToObject(policyGraph()), catalog);
});

test("only the ingress gateway may reach the edge, and each Sidecar's egress is exactly its callees", () => {
  const edge = (ofKind(docs, "AuthorizationPolicy") as Obj[]).find((p) => p.metadata.name === EDGE)!;
  assert.deepEqual(edge.spec.rules.flatMap((r: Obj) => r.from.flatMap((f: Obj) => f.source.principals)), [`${TRUST_DOMAIN}/ns/istio-system/sa/istio-ingressgateway-service-account`]);
  for (const sidecar of ofKind(docs, "Sidecar") as Obj[]) {
    const name = sidecar.metadata.name as string;
    const hosts = (sidecar.spec.egress[0].hosts as string[]).filter((h) => h.startsWith("./") && h.endsWith(`.${NAMESPACE}.svc.cluster.local`));
    assert.deepEqual(hosts.sort(), Object.keys(catalog[name] ?? {}).map((c) => `./${hostOf(c)}`).sort(), name);
  }
});
