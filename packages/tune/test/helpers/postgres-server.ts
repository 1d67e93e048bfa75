import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where PostgreSQL's server binaries are, or why the tests cannot start a server. */
export type PostgresAvailability = { available: true; binDir: string } | { available: false; reason: string };

/** Finds initdb/pg_ctl: $TREK_PG_BIN, then Debian's /usr/lib/postgresql/<version>/bin (newest). */
export function findPostgres(): PostgresAvailability {
  const candidates: string[] = [];
  if (process.env.TREK_PG_BIN) candidates.push(process.env.TREK_PG_BIN);
  if (existsSync("/usr/lib/postgresql")) {
    const versions = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a));
    for (const version of versions) candidates.push(`/usr/lib/postgresql/${version}/bin`);
  }
  const binDir = candidates.find((dir) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl")));
  if (!binDir) return { available: false, reason: "PostgreSQL server binaries (initdb, pg_ctl) not found; apt-get install postgresql or set TREK_PG_BIN" };
  if (process.getuid?.() === 0 && spawnSync("id", ["-u", "postgres"]).status !== 0) {
    return { available: false, reason: "running as root but there is no 'postgres' user to run the server as" };
  }
  return { available: true, binDir };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A throwaway PostgreSQL server on loopback, owned by the test run. */
export interface PostgresServer {
  /** Connection URL of the `postgres` database. */
  url: string;
  /** URL of another database on the same server. */
  urlFor(database: string): string;
  stop(): void;
}

/**
 * initdb + pg_ctl start in a fresh temporary directory (unix socket there too), on a free port,
 * with durability off for speed. PostgreSQL refuses to run as root, so as root the commands run
 * as the `postgres` user.
 */
export async function startPostgres(binDir: string): Promise<PostgresServer> {
  const directory = mkdtempSync(join(tmpdir(), "trek-tune-pg-"));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(directory, uid, gid);
  }
  const run = (command: string, args: string[]) => {
    const [file, fullArgs] = asRoot ? ["runuser", ["-u", "postgres", "--", join(binDir, command), ...args]] : [join(binDir, command), args];
    const result = spawnSync(file, fullArgs, { encoding: "utf8", cwd: directory });
    if (result.status !== 0) throw new Error(`${command} failed (${result.status}): ${result.stderr || result.stdout}`);
  };
  const data = join(directory, "data");
  run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
  const port = await freePort();
  const options = `-p ${port} -k ${directory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60`;
  run("pg_ctl", ["-D", data, "-l", join(directory, "server.log"), "-o", options, "-w", "-t", "60", "start"]);
  let stopped = false;
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    urlFor: (database) => `postgresql://postgres@127.0.0.1:${port}/${database}`,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    },
  };
}
