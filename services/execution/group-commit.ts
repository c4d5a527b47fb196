import type { EventMessage, Producer } from "../../lib/eventbus/index.js";

interface Pending {
  messages: EventMessage[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Shares durable sends: while one send is in flight, later appends queue up and go out together in
 * the next send. Each caller still resolves only once its own messages are durable, and messages keep
 * their order (appends of one key are sequential, so its events never overtake each other).
 */
export class GroupCommitProducer {
  #queue: Pending[] = [];
  #running = false;

  constructor(private readonly producer: Producer, private readonly topic: string, private readonly maxBatch = 1000) {}

  append(messages: EventMessage[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ messages, resolve, reject });
      if (!this.#running) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const batch: Pending[] = [];
        let count = 0;
        while (this.#queue.length > 0 && (batch.length === 0 || count + this.#queue[0]!.messages.length <= this.maxBatch)) {
          const next = this.#queue.shift()!;
          batch.push(next);
          count += next.messages.length;
        }
        try {
          await this.producer.send(this.topic, batch.flatMap((p) => p.messages));
          for (const p of batch) p.resolve();
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.#running = false;
    }
  }
}
