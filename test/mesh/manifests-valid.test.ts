import { test } from "node:test";
import assert from "node:assert/strict";
import { EDGE, GRPC_PORT, SERVICES, TOPICS, hostOf, serviceAccountOf } from "../../deploy/catalog.js";
import { KIT_ATTEMPTS, routeClass, routePolicy } from "../../deploy/budget.js";
import { grpcPath, kitRetries, methodsOf } from "../../deploy/methods.js";
import { validateDocuments } from "../../deploy/validate/validate.js";
import { committedDocuments, named, ofKind } from "./committed-manifests.js";

const docs = committedDocuments();
type Obj = Record<string, any>;

test("every committed manifest passes its Kubernetes/Istio schema and has no unknown or missing fields", () => {
  assert.ok(docs.length > 100, `only ${docs.length} documents found`);
  const problems = validateDocuments(docs.map((d) => d.doc));
  assert.deepEqual(problems, []);
});

test("the validator rejects unknown fields the model packages let through, and schema violations", () => {
  const deployment = structuredClone(named(ofKind(docs, "Deployment"), "risk")!) as Obj;
  deployment.spec.template.spec.containers[0].readinessProbe.grpc.servce = "typo";
  const policy = structuredClone(named(ofKind(docs, "AuthorizationPolicy"), "risk")!) as Obj;
  policy.spec.rules[0].from[0].source.principal = "typo";
  const topic = structuredClone(ofKind(docs, "KafkaTopic")[0]!) as Obj;
  topic.spec.partitions = "6";
  const service = structuredClone(named(ofKind(docs, "Service"), "risk")!) as Obj;
  service.spec.ports[0].port = "grpc";
  const problems = validateDocuments([deployment, policy, topic, service] as never[]);
  const paths = problems.flatMap((p) => p.errors.map((e) => `${p.document} ${e.path}`));
  assert.ok(paths.some((p) => p.endsWith("/readinessProbe/grpc/servce")), paths.join("\n"));
  assert.ok(paths.some((p) => p.endsWith("/source/principal")), paths.join("\n"));
  assert.ok(paths.some((p) => p.startsWith("kafka.strimzi.io/v1beta2/KafkaTopic") && p.endsWith("/spec/partitions")), paths.join("\n"));
  assert.ok(problems.some((p) => p.document.startsWith("v1/Service") && p.errors.some((e) => e.message.startsWith("schema:"))), paths.join("\n"));
});

test("every service and the edge have their ServiceAccount, ConfigMap, Deployment, Service, HPA, PDB and mesh policies", () => {
  for (const name of [...SERVICES.map((s) => s.name), EDGE]) {
    assert.ok(named(ofKind(docs, "ServiceAccount"), serviceAccountOf(name)), `${name}: ServiceAccount`);
    assert.ok(named(ofKind(docs, "ConfigMap"), `${name}-config`), `${name}: ConfigMap`);
    assert.ok(named(ofKind(docs, "Deployment"), name), `${name}: Deployment`);
    assert.ok(named(ofKind(docs, "Service"), name), `${name}: Service`);
    assert.ok(named(ofKind(docs, "HorizontalPodAutoscaler"), name), `${name}: HPA`);
    assert.ok(named(ofKind(docs, "PodDisruptionBudget"), name), `${name}: PDB`);
    assert.ok(named(ofKind(docs, "AuthorizationPolicy"), name), `${name}: AuthorizationPolicy`);
    assert.ok(named(ofKind(docs, "DestinationRule"), name), `${name}: DestinationRule`);
    assert.ok(named(ofKind(docs, "Sidecar"), name), `${name}: Sidecar`);
  }
  assert.ok(named(ofKind(docs, "AuthorizationPolicy"), "deny-all"));
  assert.deepEqual((named(ofKind(docs, "AuthorizationPolicy"), "deny-all") as Obj).spec, {});
  const peer = ofKind(docs, "PeerAuthentication") as Obj[];
  assert.equal(peer.length, 1);
  assert.equal(peer[0]!.metadata.namespace, "istio-system");
  assert.deepEqual(peer[0]!.spec, { mtls: { mode: "STRICT" } });
});

test("deployments: native gRPC probes, non-root, read-only root, limits, topology spread, their own service account", () => {
  for (const d of ofKind(docs, "Deployment") as Obj[]) {
    const app = d.spec.template.metadata.labels.app as string;
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    const where = d.metadata.name;
    assert.equal(pod.serviceAccountName, serviceAccountOf(app), where);
    assert.equal(pod.securityContext.runAsNonRoot, true, where);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true, where);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false, where);
    assert.ok(c.resources.requests.cpu && c.resources.limits.memory, where);
    assert.ok(pod.topologySpreadConstraints.length >= 1, where);
    assert.deepEqual(c.livenessProbe.grpc, { port: GRPC_PORT }, where);
    assert.deepEqual(c.startupProbe.grpc, { port: GRPC_PORT }, where);
    assert.equal(d.spec.template.metadata.annotations["prometheus.io/port"], String(c.ports.find((p: Obj) => p.name === "http-metrics").containerPort), where);
    const spec = SERVICES.find((s) => s.name === app);
    if (spec) assert.deepEqual(c.readinessProbe.grpc, { port: GRPC_PORT, service: spec.grpc[0]!.typeName }, where);
    assert.ok(c.command.includes(`--target=${app}`), where);
  }
});

test("no ConfigMap turns on the kit's own TLS: in the mesh the sidecars do mTLS and must see the gRPC paths", () => {
  for (const cm of ofKind(docs, "ConfigMap") as Obj[]) {
    assert.deepEqual(Object.keys(cm.data ?? {}).filter((k) => k.startsWith("TICKMESH_GRPC_TLS_")), [], cm.metadata.name);
  }
  const common = named(ofKind(docs, "ConfigMap"), "tickmesh-common") as Obj;
  assert.equal(common.data.TICKMESH_INFRA, "real");
  assert.equal(common.data.TICKMESH_GRPC_HOST, "0.0.0.0");
  for (const s of SERVICES) assert.equal(common.data[`TICKMESH_ADDR_${s.name.toUpperCase()}`], `${hostOf(s.name)}:${GRPC_PORT}`);
});

test("gRPC Services name their ports grpc with appProtocol grpc", () => {
  for (const s of SERVICES) {
    const svc = named(ofKind(docs, "Service"), s.name) as Obj;
    assert.deepEqual(svc.spec.ports.map((p: Obj) => [p.name, p.port, p.appProtocol]), [["grpc", GRPC_PORT, "grpc"]], s.name);
  }
});

test("every topic the catalog produces or consumes has a KafkaTopic, and every KafkaTopic is declared", () => {
  const declared = new Set(TOPICS.map((t) => t.name));
  const used = new Set(SERVICES.flatMap((s) => [...s.produces, ...s.consumes]));
  for (const t of used) assert.ok(declared.has(t), `topic ${t} is used but not declared`);
  const topics = (ofKind(docs, "KafkaTopic") as Obj[]).map((t) => t.spec.topicName as string).sort();
  assert.deepEqual(topics, [...declared].sort());
  for (const t of declared) assert.ok(used.has(t), `topic ${t} is declared but no service produces or consumes it`);
  for (const t of declared) if (t.endsWith(".dlq")) assert.ok(used.has(t.slice(0, -".dlq".length)), `dead letters of a topic nobody uses: ${t}`);
});

/** The route of a VirtualService a gRPC path takes: the first whose match names it, else the first without a match. */
function routeFor(vs: Obj, path: string): Obj {
  for (const r of vs.spec.http as Obj[]) {
    if (!r.match || r.match.some((m: Obj) => m.uri?.exact === path)) return r;
  }
  throw new Error(`${vs.metadata.name}: no route for ${path}`);
}

test("mesh retries never stack on the kit's: methods the kit retries get none, the others only connect failures", () => {
  for (const s of SERVICES) {
    const vs = named(ofKind(docs, "VirtualService"), s.name) as Obj;
    assert.deepEqual(vs.spec.hosts, [hostOf(s.name)]);
    for (const m of methodsOf(s)) {
      const r = routeFor(vs, grpcPath(m));
      assert.equal(r.name, routeClass(m), grpcPath(m));
      const meshTries = 1 + r.retries.attempts;
      const kitTries = kitRetries(m) ? KIT_ATTEMPTS : 1;
      if (kitRetries(m)) assert.equal(r.retries.attempts, 0, `${grpcPath(m)}: the kit retries it`);
      else assert.deepEqual(r.retries.retryOn.split(",").sort(), ["connect-failure", "refused-stream"], grpcPath(m));
      assert.ok(kitTries * meshTries <= KIT_ATTEMPTS, `${grpcPath(m)}: ${kitTries} x ${meshTries} attempts`);
      assert.equal(r.timeout, routePolicy(routeClass(m)).timeout, grpcPath(m));
      if (m.methodKind !== "unary") assert.equal(r.timeout, "0s", `${grpcPath(m)}: streams are bounded by their deadline only`);
    }
  }
});

test("the decision service has a weighted canary over subsets its DestinationRule defines; every DR has pools and outlier detection", () => {
  for (const dr of ofKind(docs, "DestinationRule") as Obj[]) {
    assert.ok(dr.spec.trafficPolicy.connectionPool.http.http2MaxRequests > 0, dr.metadata.name);
    assert.ok(dr.spec.trafficPolicy.outlierDetection.consecutive5xxErrors > 0, dr.metadata.name);
  }
  for (const s of SERVICES) {
    const subsets = new Set(((named(ofKind(docs, "DestinationRule"), s.name) as Obj).spec.subsets as Obj[]).map((x) => x.name));
    for (const r of (named(ofKind(docs, "VirtualService"), s.name) as Obj).spec.http as Obj[]) {
      for (const d of r.route as Obj[]) assert.ok(subsets.has(d.destination.subset), `${s.name}: subset ${d.destination.subset}`);
      if (s.canary) {
        assert.equal(r.route.length, 2, s.name);
        assert.equal(r.route.reduce((sum: number, d: Obj) => sum + d.weight, 0), 100, s.name);
        assert.equal(r.route.find((d: Obj) => d.destination.subset === "canary").weight, s.canary.weight);
      }
    }
    if (s.canary) {
      const canary = named(ofKind(docs, "Deployment"), `${s.name}-canary`) as Obj;
      assert.equal(canary.spec.template.metadata.labels.version, "canary");
      assert.equal(canary.spec.template.spec.serviceAccountName, serviceAccountOf(s.name), "canary runs as the same principal");
    }
  }
  assert.ok(SERVICES.some((s) => s.name === "decision" && s.canary));
});
