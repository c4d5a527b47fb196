import { mkdirSync, readFileSync, existsSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";

/** One line of the embedded bus's append-only journal. */
export type JournalEntry =
  | { type: "topic"; topic: string; partitions: number; compacted: boolean }
  | { type: "msg"; topic: string; p: number; k: string | null; v: string; h: Record<string, string>; ts: number }
  | { type: "commit"; g: string; topic: string; p: number; o: string };

/**
 * Append-only JSON-lines journal with group commit: concurrent appends share one write + fdatasync,
 * and each append resolves only once its line is on disk. A torn last line (crash mid-write) is skipped
 * on load.
 */
export class Journal {
  readonly path: string;
  #handle: Promise<FileHandle> | undefined;
  #pending: { line: string; done: () => void; fail: (e: unknown) => void }[] = [];
  #flushing: Promise<void> | undefined;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.path = join(dataDir, "eventbus.journal");
  }

  load(): JournalEntry[] {
    if (!existsSync(this.path)) return [];
    const entries: JournalEntry[] = [];
    for (const line of readFileSync(this.path, "utf8").split("\n")) {
      if (!line) continue;
      try {
        entries.push(JSON.parse(line) as JournalEntry);
      } catch {
        // torn write from a crash: everything before it is intact
      }
    }
    return entries;
  }

  append(entries: JournalEntry[]): Promise<void> {
    const line = entries.map((e) => JSON.stringify(e) + "\n").join("");
    return new Promise((done, fail) => {
      this.#pending.push({ line, done, fail });
      this.#flushing ??= this.#flush();
    });
  }

  async #flush(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0);
        try {
          const handle = await (this.#handle ??= open(this.path, "a"));
          await handle.write(batch.map((b) => b.line).join(""));
          await handle.datasync();
          for (const b of batch) b.done();
        } catch (error) {
          for (const b of batch) b.fail(error);
        }
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  async close(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle) await (await handle).close();
  }
}
