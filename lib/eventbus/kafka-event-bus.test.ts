import { runEventBusConformance } from "./conformance.js";
import { logLevel } from "kafkajs";
import { createKafkaEventBus } from "./kafka-event-bus.js";

const brokers = process.env.KAFKA_BROKERS;

runEventBusConformance(
  "kafka",
  () => createKafkaEventBus({ brokers: (brokers ?? "").split(","), clientId: "tickmesh-conformance", logLevel: logLevel.NOTHING, onError: () => {} }),
  brokers ? { waitMs: 30_000 } : { skip: "KAFKA_BROKERS not set" },
);
