import { test } from "node:test";
import assert from "node:assert/strict";
import kafkajs from "kafkajs";
import { isTransientKafkaError, retryTransient } from "./kafka-retry.js";

// The error classes are spread into kafkajs's CommonJS exports, which ESM named imports cannot see.
const { KafkaJSGroupCoordinatorNotFound, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } = kafkajs;
// Its type declares no constructor arguments; at run time it takes the message like every KafkaJSError.
const coordinatorNotFound = (message: string) => new (KafkaJSGroupCoordinatorNotFound as unknown as new (m: string) => Error)(message);

test("broker states that pass are transient, mistakes are not", () => {
  assert.equal(isTransientKafkaError(coordinatorNotFound("Failed to find group coordinator")), true);
  const busy = Object.assign(new Error("The coordinator is loading"), { type: "GROUP_LOAD_IN_PROGRESS" });
  assert.equal(isTransientKafkaError(new KafkaJSNumberOfRetriesExceeded(busy, { retryCount: 5, retryTime: 100 })), true);
  assert.equal(isTransientKafkaError(new KafkaJSProtocolError("Request timed out")), true); // KafkaJSError: retriable by default
  assert.equal(isTransientKafkaError(new KafkaJSNonRetriableError("Consumer group was not initialized, consumer#run must be called first")), false);
  assert.equal(isTransientKafkaError(Object.assign(new Error("bad"), { type: "TOPIC_AUTHORIZATION_FAILED" })), false);
  assert.equal(isTransientKafkaError(new TypeError("x is undefined")), false);
  assert.equal(isTransientKafkaError(undefined), false);
});

test("retryTransient retries transient failures with growing waits, then succeeds", async () => {
  const waits: number[] = [];
  let calls = 0;
  const value = await retryTransient(
    async () => {
      if (++calls < 4) throw coordinatorNotFound("not yet");
      return "joined";
    },
    { budgetMs: 10_000, initialDelayMs: 5, maxDelayMs: 15, onRetry: (_e, _a, delay) => waits.push(delay) },
  );
  assert.equal(value, "joined");
  assert.equal(calls, 4);
  assert.deepEqual(waits, [5, 10, 15]);
});

test("retryTransient rethrows a non-transient error at once and a transient one when the budget is spent", async () => {
  let calls = 0;
  await assert.rejects(retryTransient(async () => {
    calls++;
    throw new KafkaJSNonRetriableError("Invalid topic");
  }, { budgetMs: 10_000, initialDelayMs: 1 }), /Invalid topic/);
  assert.equal(calls, 1);

  const started = Date.now();
  await assert.rejects(retryTransient(async () => {
    throw coordinatorNotFound("still not");
  }, { budgetMs: 60, initialDelayMs: 10, maxDelayMs: 20 }), /still not/);
  assert.ok(Date.now() - started < 1000);
});
