/**
 * V8 flags every service process runs with (NODE_OPTIONS in k8s, `make run`, and the benches).
 *
 * A 32 MiB semi-space, twice Node 20's default, halves how often the young generation is scavenged.
 * Each scavenge stops the event loop for 1–4 ms on this kind of machine; with the default, about one
 * call in a hundred met one (bench/decision, one process: GetRouting p99 4.9 ms → 0.8 ms).
 */
export const SERVICE_NODE_OPTIONS = "--max-semi-space-size=32";
