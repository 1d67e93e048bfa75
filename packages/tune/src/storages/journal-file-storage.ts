import * as fs from "node:fs";
import { dirname, resolve } from "node:path";
import { StorageError } from "../errors.js";
import { FileLock } from "./file-lock.js";
import { JournalBackedStorage } from "./journal-backed-storage.js";
import { type JournalOperation, JournalState } from "./journal-state.js";
import type { HeartbeatOptions } from "./storage.js";

/** Options of {@link JournalFileStorage}. */
export interface JournalFileStorageOptions extends HeartbeatOptions {
  /**
   * Flush each write to the disk (`fdatasync`) before it counts as done, so that it survives a
   * power loss as well as a crash of the process. Default true.
   */
  fsync?: boolean;
  /** Seconds after which a lock file of an unreachable owner is broken (default 30). */
  lockStaleSeconds?: number;
}

const NEWLINE = 0x0a;

/**
 * A study storage in one append-only file of JSON lines, one operation per line: the embedded
 * default for persistence, shared safely by several processes on one machine.
 *
 * - Writers take a lock file (`<path>.lock`, broken automatically when its owner died), read
 *   what others appended, validate their operation against that state (this is where trial
 *   numbers are allocated), and append it in a single `write` on an `O_APPEND` descriptor.
 * - Readers replay only complete lines. A process killed mid-write leaves a line without its
 *   newline; the next writer terminates it, and every reader skips it as unparseable, so a torn
 *   last record is ignored rather than corrupting the ones after it.
 */
export class JournalFileStorage extends JournalBackedStorage {
  /** Absolute path of the journal file. */
  readonly path: string;
  private readonly lock: FileLock;
  private readonly fsync: boolean;
  private fd: number;
  /** Bytes of the file already replayed (always just after a newline). */
  private offset = 0;
  private closed = false;

  constructor(path: string, options: JournalFileStorageOptions = {}) {
    const { fsync, lockStaleSeconds, ...heartbeat } = options;
    super(heartbeat.heartbeatInterval !== undefined ? heartbeat : undefined);
    this.path = resolve(path);
    this.fsync = fsync ?? true;
    try {
      fs.mkdirSync(dirname(this.path), { recursive: true });
      this.fd = fs.openSync(this.path, "a+");
    } catch (error) {
      throw new StorageError(`journal storage: cannot open ${this.path}: ${(error as Error).message}`);
    }
    this.lock = new FileLock(`${this.path}.lock`, lockStaleSeconds !== undefined ? { staleSeconds: lockStaleSeconds } : {});
    this.catchUp();
  }

  protected catchUp(): void {
    if (this.closed) throw new StorageError(`journal storage ${this.path} is closed`);
    const size = fs.fstatSync(this.fd).size;
    if (size < this.offset) {
      // The file was truncated or replaced: start over from its beginning.
      this.state = new JournalState();
      this.offset = 0;
    }
    if (size === this.offset) return;
    const buffer = Buffer.allocUnsafe(size - this.offset);
    let filled = 0;
    while (filled < buffer.length) {
      const read = fs.readSync(this.fd, buffer, filled, buffer.length - filled, this.offset + filled);
      if (read === 0) break;
      filled += read;
    }
    const lastNewline = buffer.lastIndexOf(NEWLINE, filled - 1);
    if (lastNewline < 0) return; // only a partial line so far
    let lineStart = 0;
    while (lineStart <= lastNewline) {
      const lineEnd = buffer.indexOf(NEWLINE, lineStart);
      if (lineEnd > lineStart) this.replayLine(buffer.toString("utf8", lineStart, lineEnd));
      lineStart = lineEnd + 1;
    }
    this.offset += lastNewline + 1;
  }

  private replayLine(line: string): void {
    let operation: JournalOperation;
    try {
      operation = JSON.parse(line) as JournalOperation;
    } catch {
      return; // a record torn by a crash, terminated by a later writer
    }
    try {
      this.state.apply(operation);
    } catch {
      // Writers validate under the lock, so this only happens for a record written by a
      // process that did not; skipping keeps the state consistent with every other reader.
    }
  }

  protected commit<T>(build: (state: JournalState) => { operations: JournalOperation[]; result: T }): Promise<T> {
    return this.lock.run(() => {
      this.catchUp();
      if (fs.fstatSync(this.fd).size > this.offset) {
        // Bytes after the last newline while we hold the lock: a record torn by a crashed writer.
        // Terminate it, then replay it exactly as every other reader will (normally: skip it).
        this.append(Buffer.from("\n"), false);
        this.catchUp();
      }
      const { operations, result } = build(this.state);
      if (operations.length === 0) return result;
      let text = "";
      for (const operation of operations) {
        this.state.apply(operation);
        text += JSON.stringify(operation) + "\n";
      }
      this.append(Buffer.from(text, "utf8"), true);
      return result;
    });
  }

  /**
   * Appends whole records; the caller holds the lock and has replayed up to the end. With
   * `alreadyApplied` the records are in `state` already and replay skips past them.
   */
  private append(bytes: Buffer, alreadyApplied: boolean): void {
    try {
      let written = 0;
      while (written < bytes.length) written += fs.writeSync(this.fd, bytes, written, bytes.length - written);
      if (this.fsync) fs.fdatasyncSync(this.fd);
    } catch (error) {
      // What reached the file is unknown: forget the state and replay the file from scratch.
      this.state = new JournalState();
      this.offset = 0;
      throw new StorageError(`journal storage: writing ${this.path} failed: ${(error as Error).message}`);
    }
    if (alreadyApplied) this.offset = fs.fstatSync(this.fd).size;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}
