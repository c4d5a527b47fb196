import { runEventBusConformance } from "./conformance.js";
import { logLevel } from "kafkajs";
import { createKafkaEventBus, type KafkaProducerClient } from "./kafka-event-bus.js";

const brokers = process.env.KAFKA_BROKERS;

for (const producerClient of ["kafkajs", "platformatic"] as KafkaProducerClient[]) {
  runEventBusConformance(
    `kafka (${producerClient} producer)`,
    () => createKafkaEventBus({ brokers: (brokers ?? "").split(","), clientId: "tickmesh-conformance", logLevel: logLevel.NOTHING, onError: () => {}, producerClient }),
    brokers ? { waitMs: 30_000 } : { skip: "KAFKA_BROKERS not set" },
  );
}
