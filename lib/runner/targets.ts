/** Parses --target=all | a,b,c against the registered module names. */
export function parseTargets(argv: readonly string[], known: readonly string[]): string[] {
  const flags = argv.filter((a) => a.startsWith("--target=") || a === "--target");
  let raw = "all";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith("--target=")) raw = arg.slice("--target=".length);
    else if (arg === "--target") raw = argv[i + 1] ?? "";
  }
  if (flags.length > 1) throw new Error("--target given more than once");
  const names = raw.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length === 0) throw new Error("--target is empty: use --target=all or a comma-separated list of services");
  if (names.includes("all")) {
    if (names.length > 1) throw new Error('--target=all cannot be combined with other targets');
    return [...known];
  }
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    throw new Error(`unknown target ${unknown.map((u) => `"${u}"`).join(", ")}: known targets are all, ${known.join(", ") || "(none registered yet)"}`);
  }
  return [...new Set(names)];
}

/** Where a module's services are reached from a process that does not host it: TICKMESH_ADDR_<NAME> or <name>:50051. */
export function remoteAddress(module: string, env: NodeJS.ProcessEnv): string {
  return env[`TICKMESH_ADDR_${module.toUpperCase()}`] ?? `${module}:50051`;
}
