export type { Cache, SetOptions, TokenBucketOptions, TokenBucketResult } from "./types.js";
export { createEmbeddedCache, type EmbeddedCacheOptions } from "./embedded-cache.js";
export { createRedisCache, type RedisCacheOptions } from "./redis-cache.js";
