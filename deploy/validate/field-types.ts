import { dirname, join } from "node:path";
import ts from "typescript";

/**
 * Checks documents field by field against the TypeScript declarations the model packages ship
 * (generated from the Kubernetes OpenAPI and the Istio CRDs) and our operator CRD types. The JSON
 * schema validators in those packages accept unknown fields; this check does not: every key must be a
 * declared property (or fall under a declared map), every scalar must have a declared type, and
 * required properties must be present.
 */

export interface TypeRef {
  /** Module specifier as written in an import from deploy/validate/. */
  module: string;
  typeName: string;
}

export interface FieldError {
  path: string;
  message: string;
}

const HERE = dirname(new URL(import.meta.url).pathname);
const VIRTUAL = join(HERE, "__manifest_types__.ts");

export class FieldTypeChecker {
  readonly #checker: ts.TypeChecker;
  readonly #types = new Map<string, ts.Type>();

  constructor(refs: readonly TypeRef[]) {
    const unique = [...new Map(refs.map((r) => [`${r.module}#${r.typeName}`, r])).values()];
    const source = unique.map((r, i) => `import type { ${r.typeName} as T${i} } from "${r.module}";\nexport type A${i} = T${i};`).join("\n");
    const options: ts.CompilerOptions = {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
      // The model declarations need only the core types; leaving out DOM and newer libs halves the start.
      lib: ["lib.es5.d.ts"],
    };
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    const fileExists = host.fileExists.bind(host);
    const readFile = host.readFile.bind(host);
    host.getSourceFile = (name, version, ...rest) => (name === VIRTUAL ? ts.createSourceFile(name, source, version) : getSourceFile(name, version, ...rest));
    host.fileExists = (name) => name === VIRTUAL || fileExists(name);
    host.readFile = (name) => (name === VIRTUAL ? source : readFile(name));
    const program = ts.createProgram([VIRTUAL], options, host);
    this.#checker = program.getTypeChecker();
    const file = program.getSourceFile(VIRTUAL)!;
    const problems = ts.getPreEmitDiagnostics(program, file);
    if (problems.length > 0) throw new Error(`cannot resolve manifest types: ${ts.flattenDiagnosticMessageText(problems[0]!.messageText, "\n")}`);
    const aliases = file.statements.filter(ts.isTypeAliasDeclaration);
    unique.forEach((r, i) => this.#types.set(`${r.module}#${r.typeName}`, this.#checker.getTypeAtLocation(aliases[i]!.name)));
  }

  check(value: unknown, ref: TypeRef): FieldError[] {
    const type = this.#types.get(`${ref.module}#${ref.typeName}`);
    if (!type) throw new Error(`type ${ref.typeName} from ${ref.module} was not loaded`);
    const errors: FieldError[] = [];
    this.#walk(value, type, "", errors);
    return errors;
  }

  #members(type: ts.Type): ts.Type[] {
    const t = this.#checker.getNonNullableType(type);
    return t.isUnion() ? t.types : [t];
  }

  #walk(value: unknown, type: ts.Type, path: string, errors: FieldError[]): void {
    if (value === null || value === undefined) return;
    const members = this.#members(type);
    if (members.some((m) => m.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown))) return;
    const fail = (message: string): void => {
      errors.push({ path: path || "/", message });
    };
    if (Array.isArray(value)) {
      const element = members.map((m) => m.getNumberIndexType()).find((e): e is ts.Type => e !== undefined);
      if (!element) return fail(`an array is not allowed here (${this.#checker.typeToString(type)})`);
      value.forEach((item, i) => this.#walk(item, element, `${path}/${i}`, errors));
      return;
    }
    if (typeof value === "object") {
      const objects = members.filter((m) => m.flags & ts.TypeFlags.Object || m.isIntersection()).filter((m) => m.getNumberIndexType() === undefined);
      if (objects.length === 0) return fail(`an object is not allowed here (${this.#checker.typeToString(type)})`);
      const mapValue = objects.map((o) => this.#checker.getIndexInfosOfType(o).find((i) => i.keyType.flags & ts.TypeFlags.String)?.type).find((t) => t !== undefined);
      const record = value as Record<string, unknown>;
      for (const [key, field] of Object.entries(record)) {
        const prop = objects.map((o) => this.#checker.getPropertyOfType(o, key)).find((p) => p !== undefined);
        if (prop) this.#walk(field, this.#checker.getTypeOfSymbol(prop), `${path}/${key}`, errors);
        else if (mapValue) this.#walk(field, mapValue, `${path}/${key}`, errors);
        else errors.push({ path: `${path}/${key}`, message: `unknown field "${key}"` });
      }
      if (objects.length === 1) {
        for (const prop of this.#checker.getPropertiesOfType(objects[0]!)) {
          if (!(prop.flags & ts.SymbolFlags.Optional) && !(prop.name in record)) errors.push({ path: `${path}/${prop.name}`, message: "required field missing" });
        }
      }
      return;
    }
    if (!members.some((m) => this.#accepts(m, value))) fail(`${JSON.stringify(value)} is not a ${this.#checker.typeToString(type)}`);
  }

  #accepts(t: ts.Type, value: unknown): boolean {
    const f = t.flags;
    if (typeof value === "string") {
      if (f & (ts.TypeFlags.String | ts.TypeFlags.TemplateLiteral | ts.TypeFlags.StringMapping)) return true;
      return t.isStringLiteral() && t.value === value;
    }
    if (typeof value === "number") {
      if (f & ts.TypeFlags.Number) return true;
      return t.isNumberLiteral() && t.value === value;
    }
    if (typeof value === "boolean") {
      if (f & ts.TypeFlags.Boolean) return true;
      return !!(f & ts.TypeFlags.BooleanLiteral) && this.#checker.typeToString(t) === String(value);
    }
    return false;
  }
}
