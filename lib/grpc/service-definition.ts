import { fromBinary, toBinary, type DescMethod, type DescService } from "@bufbuild/protobuf";
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";

/** The gRPC path of a method: "/package.Service/Method". */
export function grpcPath(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

/**
 * Builds a grpc-js service definition straight from a protobuf-es service descriptor,
 * so servers and clients never need proto-loader or hand-written definitions.
 */
export function toGrpcServiceDefinition(service: DescService): ServiceDefinition {
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    definition[method.localName] = toGrpcMethodDefinition(method);
  }
  return definition as ServiceDefinition;
}

const definitions = new WeakMap<DescMethod, MethodDefinition<unknown, unknown>>();

/** The grpc-js definition of one method, built once per descriptor (clients ask for it on every call). */
export function toGrpcMethodDefinition(method: DescMethod): MethodDefinition<unknown, unknown> {
  let definition = definitions.get(method);
  if (!definition) {
    definition = buildMethodDefinition(method);
    definitions.set(method, definition);
  }
  return definition;
}

function buildMethodDefinition(method: DescMethod): MethodDefinition<unknown, unknown> {
  const input = method.input;
  const output = method.output;
  return {
    path: grpcPath(method),
    requestStream: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
    responseStream: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
    requestSerialize: (value: unknown) => Buffer.from(toBinary(input, value as never)),
    requestDeserialize: (bytes: Buffer) => fromBinary(input, bytes),
    responseSerialize: (value: unknown) => Buffer.from(toBinary(output, value as never)),
    responseDeserialize: (bytes: Buffer) => fromBinary(output, bytes),
    originalName: method.localName,
  };
}
