import { StorageError } from "../errors.js";
import { InMemoryStorage } from "./in-memory-storage.js";
import { JournalFileStorage } from "./journal-file-storage.js";
import { PostgresStorage } from "./postgres-storage.js";
import type { Storage } from "./storage.js";

/**
 * Opens a storage from a URL:
 * - `memory:` (or nothing): a new in-memory storage;
 * - `journal:<path>` (also `journal://<absolute path>` and paths ending in `.log`/`.jsonl`):
 *   a {@link JournalFileStorage};
 * - `postgresql://user:password@host:port/database` (or `postgres://`): a `PostgresStorage`.
 */
export async function resolveStorage(storage?: Storage | string): Promise<Storage> {
  if (storage === undefined) return new InMemoryStorage();
  if (typeof storage !== "string") return storage;
  const url = storage.trim();
  if (url === "" || url === "memory:" || url === "memory" || url === "inmemory") return new InMemoryStorage();
  if (url.startsWith("journal:")) {
    const path = url.startsWith("journal://") ? url.slice("journal://".length) : url.slice("journal:".length);
    if (path === "") throw new StorageError(`storage URL ${JSON.stringify(url)} has no file path; use journal:./study.log`);
    return new JournalFileStorage(path);
  }
  if (url.startsWith("postgresql://") || url.startsWith("postgres://")) {
    return new PostgresStorage(url);
  }
  if (/\.(log|jsonl)$/.test(url) && !url.includes("://")) return new JournalFileStorage(url);
  throw new StorageError(`unsupported storage URL ${JSON.stringify(url)}; use memory:, journal:<path> or postgresql://…`);
}
