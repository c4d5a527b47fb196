import { hasOption, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { http } from "../gen/google/api/annotations_pb.js";
import { isIdempotent } from "../lib/grpc/retry-transport.js";
import { EDGE, PARTNER_FACING, SERVICES, type CatalogService } from "./catalog.js";

/** "Service/Method" as the catalog writes it, e.g. "RiskService/CheckOrder". */
export const shortName = (m: DescMethod): string => `${m.parent.name}/${m.name}`;
/** The HTTP/2 :path of a gRPC call, e.g. "/tickmesh.risk.v1.RiskService/CheckOrder". */
export const grpcPath = (m: DescMethod): string => `/${m.parent.typeName}/${m.name}`;

export const isPartnerFacing = (m: DescMethod): boolean => hasOption(m, http);
/** Whether the kit retries it: unary and marked NO_SIDE_EFFECTS or IDEMPOTENT (lib/grpc/retry-transport.ts). */
export const kitRetries = (m: DescMethod): boolean => m.methodKind === "unary" && isIdempotent(m);
export const isStreaming = (m: DescMethod): boolean => m.methodKind !== "unary";

export const methodsOf = (s: CatalogService): DescMethod[] => s.grpc.flatMap((g: DescService) => g.methods);

/** The method of a service by its bare name ("CheckOrder") or short name ("RiskService/CheckOrder"). */
export function findMethod(s: CatalogService, name: string): DescMethod {
  const m = methodsOf(s).find((x) => x.name === name || shortName(x) === name);
  if (!m) throw new Error(`${s.name} has no gRPC method ${name}`);
  return m;
}

/** Caller -> callee -> set of gRPC paths. The shape every view of the call graph is compared in. */
export type CallGraph = Map<string, Map<string, Set<string>>>;

export function addCall(graph: CallGraph, caller: string, callee: string, path: string): void {
  let callees = graph.get(caller);
  if (!callees) graph.set(caller, (callees = new Map()));
  let paths = callees.get(callee);
  if (!paths) callees.set(callee, (paths = new Set()));
  paths.add(path);
}

/** The methods a catalog entry's callers list resolves to (PARTNER_FACING expands to the annotated methods). */
export function resolveCallerMethods(callee: CatalogService, methods: readonly string[]): DescMethod[] {
  const out = new Set<DescMethod>();
  for (const name of methods) {
    if (name === PARTNER_FACING) methodsOf(callee).filter(isPartnerFacing).forEach((m) => out.add(m));
    else out.add(findMethod(callee, name));
  }
  return [...out].sort((a, b) => grpcPath(a).localeCompare(grpcPath(b)));
}

/** The call graph the catalog declares. */
export function catalogGraph(services: readonly CatalogService[] = SERVICES): CallGraph {
  const graph: CallGraph = new Map();
  for (const callee of services) {
    for (const [caller, names] of Object.entries(callee.callers)) {
      for (const m of resolveCallerMethods(callee, names)) addCall(graph, caller, callee.name, grpcPath(m));
    }
  }
  return graph;
}

/** Graph as sorted plain data, for assertions and messages. */
export function graphToObject(graph: CallGraph): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  for (const caller of [...graph.keys()].sort()) {
    const callees = graph.get(caller)!;
    out[caller] = {};
    for (const callee of [...callees.keys()].sort()) out[caller]![callee] = [...callees.get(callee)!].sort();
  }
  return out;
}

export const callersIncludeEdge = (s: CatalogService): boolean => EDGE in s.callers;
