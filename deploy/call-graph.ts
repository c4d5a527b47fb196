import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import ts from "typescript";
import { EDGE, SERVICES, type CatalogService } from "./catalog.js";
import { addCall, grpcPath, isPartnerFacing, methodsOf, type CallGraph } from "./methods.js";

/**
 * The call graph as the code has it, derived with the TypeScript type checker:
 * - a call `x.m(...)` is a gRPC call of service S when the property `m` is declared in S's generated
 *   descriptor type (gen/tickmesh/<pkg>/v1/*_pb.ts) and the call resolves to a signature of
 *   @connectrpc/connect's Client, whatever the variable is called and however it was passed around;
 * - the caller is the folder the call is in: services/<name>/ or edge/;
 * - the edge builds clients for every service of the catalog at run time (edge/module.ts): it is
 *   given every partner-facing method (google.api.http annotated), plus whatever it calls by name.
 * Tests, test support (testing/) and benchmarks are not part of the graph.
 */

export interface CodeCall {
  caller: string;
  callee: string;
  path: string;
  at: string;
}

export interface ClientBuild {
  caller: string;
  /** Full service type name, or undefined when the descriptor is chosen at run time. */
  service: string | undefined;
  at: string;
}

export interface CodeGraph {
  graph: CallGraph;
  calls: CodeCall[];
  clients: ClientBuild[];
  /** Callers whose code exists (services/<name>/ or edge/). */
  scanned: string[];
}

const EXCLUDED_DIRS = new Set(["testing", "bench", "node_modules", "dashboard", "dist"]);

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!EXCLUDED_DIRS.has(name)) sourceFiles(path, out);
    } else if (name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** Module names registered in services/catalog.ts (the runner's list): these run, so their calls are checked. */
export function registeredModules(root: string): string[] {
  const text = readFileSync(join(root, "services", "catalog.ts"), "utf8");
  return [...text.matchAll(/from\s+"\.\/([\w-]+)\/module\.js"/g)].map((m) => m[1]!).sort();
}

const GEN = `${sep}gen${sep}tickmesh${sep}`;

export function scanCallGraph(root: string, services: readonly CatalogService[] = SERVICES): CodeGraph {
  const byType = new Map<string, CatalogService>();
  for (const s of services) for (const g of s.grpc) byType.set(g.typeName, s);

  const callers = new Map<string, string[]>();
  const servicesDir = join(root, "services");
  for (const name of readdirSync(servicesDir)) {
    if (statSync(join(servicesDir, name)).isDirectory()) callers.set(name, sourceFiles(join(servicesDir, name)));
  }
  if (existsSync(join(root, "edge"))) callers.set(EDGE, sourceFiles(join(root, "edge")));
  const callerOf = new Map<string, string>();
  for (const [caller, files] of callers) for (const f of files) callerOf.set(f, caller);

  const config = ts.getParsedCommandLineOfConfigFile(join(root, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  const options: ts.CompilerOptions = { ...(config?.options ?? {}), noEmit: true, skipLibCheck: true };
  const program = ts.createProgram([...callerOf.keys()], options);
  const checker = program.getTypeChecker();

  /** "tickmesh.<pkg>.v1.<Service>" when the declaration sits in a generated service descriptor. */
  const serviceOfDeclaration = (decl: ts.Node): string | undefined => {
    const file = decl.getSourceFile().fileName.split("/").join(sep);
    const at = file.indexOf(GEN);
    if (at < 0) return undefined;
    const pkg = file.slice(at + GEN.length).split(sep)[0]!;
    let node: ts.Node | undefined = decl;
    while (node && !ts.isVariableDeclaration(node)) node = node.parent;
    return node && ts.isIdentifier(node.name) ? `tickmesh.${pkg}.v1.${node.name.text}` : undefined;
  };
  const isConnectClientCall = (call: ts.CallExpression): boolean => {
    const decl = checker.getResolvedSignature(call)?.declaration;
    const file = decl?.getSourceFile().fileName ?? "";
    return file.includes("@connectrpc/connect/") && /(promise|callback)-client\.d\.ts$/.test(file);
  };
  const resolveAlias = (symbol: ts.Symbol | undefined) => (symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);

  // Only names some service method has are worth asking the checker about (asking resolves types, which is the slow part).
  const methodNames = new Set(services.flatMap((s) => methodsOf(s).map((m) => m.localName)));
  const graph: CallGraph = new Map();
  const calls: CodeCall[] = [];
  const clients: ClientBuild[] = [];
  for (const [file, caller] of callerOf) {
    const sf = program.getSourceFile(file);
    if (!sf) continue;
    const where = (n: ts.Node) => `${relative(root, file)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        const callee = node.expression;
        const name = ts.isPropertyAccessExpression(callee) ? callee.name : ts.isIdentifier(callee) ? callee : undefined;
        if (name && ts.isPropertyAccessExpression(callee) && methodNames.has(callee.name.text)) {
          const decl = checker.getSymbolAtLocation(callee.name)?.declarations?.[0];
          const typeName = decl && serviceOfDeclaration(decl);
          if (typeName && isConnectClientCall(node)) {
            const target = byType.get(typeName);
            const method = target?.grpc.flatMap((g) => g.methods).find((m) => m.parent.typeName === typeName && m.localName === callee.name.text);
            if (!target || !method) throw new Error(`${where(node)}: ${typeName}.${callee.name.text} is not in the service catalog`);
            addCall(graph, caller, target.name, grpcPath(method));
            calls.push({ caller, callee: target.name, path: grpcPath(method), at: where(node) });
          }
        }
        if (name && (name.text === "client" || name.text === "createServiceClient") && node.arguments.length > 0) {
          const arg = node.arguments[0]!;
          const decl = resolveAlias(checker.getSymbolAtLocation(arg))?.declarations?.[0];
          const typeName = decl && serviceOfDeclaration(decl);
          const argType = checker.typeToString(checker.getTypeAtLocation(arg));
          if (typeName) clients.push({ caller, service: typeName, at: where(node) });
          else if (/Desc(Service)?\b|GenService/.test(argType)) clients.push({ caller, service: undefined, at: where(node) });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }

  // The edge forwards to services chosen at run time: its reach is the public API of each of them.
  if (clients.some((c) => c.caller === EDGE && c.service === undefined)) {
    for (const s of services) for (const m of methodsOf(s).filter(isPartnerFacing)) addCall(graph, EDGE, s.name, grpcPath(m));
  }
  return { graph, calls, clients, scanned: [...callers.keys()].sort() };
}
