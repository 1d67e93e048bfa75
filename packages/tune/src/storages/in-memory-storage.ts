import type { JournalOperation, JournalState } from "./journal-state.js";
import { JournalBackedStorage } from "./journal-backed-storage.js";

/**
 * Keeps studies in this process's memory: the default storage, fastest, lost on exit.
 * Several studies and concurrent workers (`nJobs`) of one process can share it.
 */
export class InMemoryStorage extends JournalBackedStorage {
  constructor() {
    super();
  }

  protected catchUp(): void {}

  protected commit<T>(build: (state: JournalState) => { operations: JournalOperation[]; result: T }): Promise<T> {
    try {
      const { operations, result } = build(this.state);
      for (const operation of operations) this.state.apply(operation);
      return Promise.resolve(result);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async close(): Promise<void> {}
}
