import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";

/** Options of {@link FileLock}. */
export interface FileLockOptions {
  /**
   * Seconds after which a lock whose owner cannot be checked (another host, unreadable content)
   * is considered abandoned. Locks are held for milliseconds, so the default is generous.
   */
  staleSeconds?: number;
  /** Give up waiting after this many seconds (default 60). */
  timeoutSeconds?: number;
}

interface LockOwner {
  pid: number;
  host: string;
  token: string;
}

/**
 * An exclusive lock between processes made of a lock file created with `O_CREAT | O_EXCL`.
 * It is only ever held for a synchronous critical section (`tryRun`), so a lock file naming this
 * very process can only be left over from a crash of an earlier process that had the same pid.
 * A lock whose owner process is gone (same host) or that is older than `staleSeconds` is broken
 * by renaming it away, which only one waiter can do.
 */
export class FileLock {
  private readonly host = hostname();
  private readonly staleMs: number;
  private readonly timeoutMs: number;

  constructor(
    readonly path: string,
    options: FileLockOptions = {},
  ) {
    this.staleMs = (options.staleSeconds ?? 30) * 1000;
    this.timeoutMs = (options.timeoutSeconds ?? 60) * 1000;
  }

  /** Waits for the lock, runs `critical` synchronously while holding it, and releases it. */
  async run<T>(critical: () => T): Promise<T> {
    const started = Date.now();
    let delay = 1;
    for (;;) {
      const token = this.tryAcquire();
      if (token !== null) {
        try {
          return critical();
        } finally {
          this.release(token);
        }
      }
      if (Date.now() - started > this.timeoutMs) {
        throw new Error(`could not lock ${this.path} within ${this.timeoutMs / 1000} s; if no process uses it, delete the file`);
      }
      await sleep(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 4); // the lock is held for well under a millisecond: poll often
    }
  }

  private tryAcquire(): string | null {
    const token = randomBytes(8).toString("hex");
    const owner: LockOwner = { pid: process.pid, host: this.host, token };
    let fd: number;
    try {
      fd = fs.openSync(this.path, "wx");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      this.breakIfStale();
      return null;
    }
    try {
      fs.writeSync(fd, JSON.stringify(owner));
    } finally {
      fs.closeSync(fd);
    }
    return token;
  }

  private release(token: string): void {
    // Only remove the file if it is still ours (it could have been broken as stale meanwhile).
    const owner = this.readOwner(this.path);
    if (owner?.token === token) fs.rmSync(this.path, { force: true });
  }

  private readOwner(path: string): LockOwner | null {
    try {
      const parsed = JSON.parse(fs.readFileSync(path, "utf8")) as LockOwner;
      return typeof parsed.pid === "number" && typeof parsed.token === "string" ? parsed : null;
    } catch {
      return null;
    }
  }

  private isStale(owner: LockOwner | null, modifiedMs: number): boolean {
    if (owner && owner.host === this.host) {
      if (owner.pid === process.pid) return true;
      try {
        process.kill(owner.pid, 0);
        return false;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code === "ESRCH";
      }
    }
    // Owner unknown (lock being written, or another host): fall back to the file's age.
    return Date.now() - modifiedMs > this.staleMs;
  }

  private breakIfStale(): void {
    let modifiedMs: number;
    try {
      modifiedMs = fs.statSync(this.path).mtimeMs;
    } catch {
      return; // released meanwhile
    }
    const owner = this.readOwner(this.path);
    if (!this.isStale(owner, modifiedMs)) return;
    const aside = `${this.path}.stale-${process.pid}-${randomBytes(4).toString("hex")}`;
    try {
      fs.renameSync(this.path, aside);
    } catch {
      return; // someone else broke or released it first
    }
    const moved = this.readOwner(aside);
    if (owner !== null && moved?.token !== owner.token) {
      // The stale lock was replaced by a live one between our check and the rename: put it back.
      try {
        fs.linkSync(aside, this.path);
      } catch {
        // A third process took the lock meanwhile; nothing more can be done safely.
      }
    }
    fs.rmSync(aside, { force: true });
  }
}
