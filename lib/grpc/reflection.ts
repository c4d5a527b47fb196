import { create, toBinary, type DescFile, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import * as v1 from "../../gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";

/** Index of the files behind a set of services, for server reflection. */
export interface ReflectionIndex {
  serviceNames(): string[];
  /** The file and its transitive dependencies, dependencies first, as serialized FileDescriptorProtos. */
  fileByName(name: string): Uint8Array[] | undefined;
  fileContainingSymbol(symbol: string): Uint8Array[] | undefined;
}

export function createReflectionIndex(services: () => readonly DescService[]): ReflectionIndex {
  function files(): Map<string, DescFile> {
    const byName = new Map<string, DescFile>();
    const visit = (file: DescFile) => {
      if (byName.has(file.name + ".proto")) return;
      byName.set(file.name + ".proto", file);
      file.dependencies.forEach(visit);
    };
    for (const service of services()) visit(service.file);
    return byName;
  }
  function withDependencies(file: DescFile): Uint8Array[] {
    const ordered: DescFile[] = [];
    const seen = new Set<string>();
    const visit = (f: DescFile) => {
      if (seen.has(f.name)) return;
      seen.add(f.name);
      f.dependencies.forEach(visit);
      ordered.push(f);
    };
    visit(file);
    return ordered.reverse().map((f) => toBinary(FileDescriptorProtoSchema, create(FileDescriptorProtoSchema, f.proto)));
  }
  function symbolFile(symbol: string): DescFile | undefined {
    for (const file of files().values()) {
      for (const service of file.services) {
        if (service.typeName === symbol) return file;
        for (const method of service.methods) if (`${service.typeName}.${method.name}` === symbol) return file;
      }
      const types = [...file.messages, ...file.enums];
      while (types.length > 0) {
        const type = types.pop()!;
        if (type.typeName === symbol) return file;
        if (type.kind === "message") {
          types.push(...type.nestedMessages, ...type.nestedEnums);
          for (const field of type.fields) if (`${type.typeName}.${field.name}` === symbol) return file;
        }
      }
    }
    return undefined;
  }
  return {
    serviceNames: () => services().map((s) => s.typeName),
    fileByName: (name) => {
      const file = files().get(name);
      return file && withDependencies(file);
    },
    fileContainingSymbol: (symbol) => {
      const file = symbolFile(symbol);
      return file && withDependencies(file);
    },
  };
}

type Reflection = typeof v1.ServerReflection | typeof v1alpha.ServerReflection;
type Request = v1.ServerReflectionRequest | v1alpha.ServerReflectionRequest;

function answer(index: ReflectionIndex, req: Request): v1.ServerReflectionResponse["messageResponse"] {
  const notFound = (what: string) => ({ case: "errorResponse" as const, value: { errorCode: 5, errorMessage: `${what} not found` } as v1.ErrorResponse });
  const files = (bytes: Uint8Array[] | undefined, what: string) =>
    bytes ? { case: "fileDescriptorResponse" as const, value: { fileDescriptorProto: bytes } as v1.FileDescriptorResponse } : notFound(what);
  const m = req.messageRequest;
  switch (m.case) {
    case "listServices":
      return { case: "listServicesResponse", value: { service: index.serviceNames().map((name) => ({ name })) } as v1.ListServiceResponse };
    case "fileByFilename":
      return files(index.fileByName(m.value), `file ${m.value}`);
    case "fileContainingSymbol":
      return files(index.fileContainingSymbol(m.value), `symbol ${m.value}`);
    case "fileContainingExtension":
      return notFound(`extension ${m.value.containingType}/${m.value.extensionNumber}`);
    case "allExtensionNumbersOfType":
      return { case: "allExtensionNumbersResponse", value: { baseTypeName: m.value, extensionNumber: [] } as unknown as v1.ExtensionNumberResponse };
    default:
      return { case: "errorResponse", value: { errorCode: 3, errorMessage: "empty reflection request" } as v1.ErrorResponse };
  }
}

function reflectionImpl<R extends Reflection>(index: ReflectionIndex): Partial<ServiceImpl<R>> {
  return {
    async *serverReflectionInfo(requests: AsyncIterable<Request>) {
      for await (const req of requests) {
        yield { validHost: req.host, originalRequest: req, messageResponse: answer(index, req) };
      }
    },
  } as unknown as Partial<ServiceImpl<R>>;
}

/** grpc.reflection.v1 and v1alpha (grpcurl and most tools still ask v1alpha) over the same index. */
export function createReflectionServices(index: ReflectionIndex) {
  return [
    { service: v1.ServerReflection, impl: reflectionImpl<typeof v1.ServerReflection>(index) },
    { service: v1alpha.ServerReflection, impl: reflectionImpl<typeof v1alpha.ServerReflection>(index) },
  ] as const;
}
