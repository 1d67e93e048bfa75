import { randomUUID } from "node:crypto";
import type { Pool, PoolClient, PoolConfig } from "pg";
import { type Distribution, distributionFromJson, distributionToJson } from "../distributions.js";
import { DuplicatedStudyError, StorageError, StudyNotFoundError, TrialFinishedError } from "../errors.js";
import { type AttrValue, FrozenTrial } from "../frozen-trial.js";
import { logWarning } from "../logging.js";
import { type StudyDirection, TrialState, isFinishedState, parseDirection, parseTrialState } from "../trial-state.js";
import { CURRENT_SCHEMA_VERSION, MIGRATIONS } from "./postgres-migrations.js";
import { FAIL_REASON_KEY, type HeartbeatOptions, type Storage, type StudySummary, type TrialTemplate } from "./storage.js";

/** Options of {@link PostgresStorage}. */
export interface PostgresStorageOptions extends HeartbeatOptions {
  /** Most connections this process opens (default 4). */
  maxConnections?: number;
  /** Extra `pg` pool settings (ssl, timeouts, …). */
  poolConfig?: PoolConfig;
}

/** Arbitrary constant key for the advisory lock that serializes schema migrations. */
const MIGRATION_LOCK_KEY = 7_215_330_918;
const UNIQUE_VIOLATION = "23505";
const UNFINISHED_STATES = ["waiting", "running"];

type Queryable = Pick<PoolClient, "query">;

const TRIAL_COLUMNS = `
  t.trial_id, t.number, t.state, t.objective_values, t.datetime_start, t.datetime_complete,
  COALESCE((SELECT json_agg(json_build_array(p.param_name, p.param_value::text, p.distribution_json)) FROM trial_params p WHERE p.trial_id = t.trial_id), '[]') AS params,
  COALESCE((SELECT json_agg(json_build_array(v.step, v.value::text)) FROM trial_intermediate_values v WHERE v.trial_id = t.trial_id), '[]') AS intermediate,
  COALESCE((SELECT json_agg(json_build_array(a.kind, a.key, a.value_json)) FROM trial_attrs a WHERE a.trial_id = t.trial_id), '[]') AS attrs`;

interface TrialRow {
  trial_id: number;
  number: number;
  state: string;
  objective_values: number[] | null;
  datetime_start: Date | null;
  datetime_complete: Date | null;
  params: [string, string, string][];
  intermediate: [number, string][];
  attrs: ["user" | "system", string, string][];
}

/**
 * A study storage in PostgreSQL (through the `pg` client), for workers on several machines
 * sharing one study. Each call is one statement or one transaction:
 * - trial numbers come from a per-study counter row updated atomically (`UPDATE … RETURNING`),
 *   so concurrent workers never get the same number and numbers have no gaps;
 * - enqueued trials are claimed with `FOR UPDATE SKIP LOCKED`, so each is run once;
 * - heartbeats and the stale check use the database clock, so machines need not agree on time.
 *
 * The schema is created and upgraded on first use by versioned migrations (`schema_version`),
 * serialized across workers by an advisory lock.
 *
 * @example
 * const storage = new PostgresStorage("postgresql://tune@db.internal:5432/tune", { heartbeatInterval: 10 });
 */
export class PostgresStorage implements Storage {
  readonly heartbeat?: HeartbeatOptions;
  private readonly config: PoolConfig;
  private pool: Pool | null = null;
  private ready: Promise<Pool> | null = null;

  /** @param connection - A `postgresql://` URL or a `pg` pool configuration. */
  constructor(connection: string | PoolConfig, options: PostgresStorageOptions = {}) {
    const { maxConnections, poolConfig, ...heartbeat } = options;
    if (heartbeat.heartbeatInterval !== undefined) this.heartbeat = heartbeat;
    const base: PoolConfig = typeof connection === "string" ? { connectionString: connection } : { ...connection };
    this.config = { max: maxConnections ?? 4, allowExitOnIdle: true, ...base, ...poolConfig };
  }

  /** Connects and migrates the schema once; every method waits for it. */
  private connect(): Promise<Pool> {
    this.ready ??= (async () => {
      let pg: typeof import("pg");
      try {
        pg = (await import("pg")).default as unknown as typeof import("pg");
      } catch (error) {
        throw new StorageError(`PostgresStorage needs the "pg" package: ${(error as Error).message}`);
      }
      const pool = new pg.Pool(this.config);
      pool.on("error", (error) => logWarning(`PostgreSQL connection error: ${error.message}`));
      this.pool = pool;
      await this.migrate(pool);
      return pool;
    })().catch((error: unknown) => {
      this.ready = null;
      throw error instanceof StorageError ? error : new StorageError(`PostgresStorage: cannot use the database: ${(error as Error).message}`);
    });
    return this.ready;
  }

  private async migrate(pool: Pool): Promise<void> {
    await this.transaction(pool, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
      await client.query(`CREATE TABLE IF NOT EXISTS schema_version (
        version INTEGER PRIMARY KEY,
        description TEXT NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
      const { rows } = await client.query<{ version: number | null }>("SELECT max(version) AS version FROM schema_version");
      const applied = rows[0]?.version ?? 0;
      if (applied > CURRENT_SCHEMA_VERSION) {
        throw new StorageError(`the database schema is at version ${applied}, newer than this @trek/tune understands (${CURRENT_SCHEMA_VERSION}); upgrade @trek/tune`);
      }
      for (const migration of MIGRATIONS) {
        if (migration.version <= applied) continue;
        for (const statement of migration.statements) await client.query(statement);
        await client.query("INSERT INTO schema_version (version, description) VALUES ($1, $2)", [migration.version, migration.description]);
      }
    });
  }

  /** The schema version the database is at (after migrating). */
  async schemaVersion(): Promise<number> {
    const pool = await this.connect();
    const { rows } = await pool.query<{ version: number }>("SELECT max(version) AS version FROM schema_version");
    return rows[0]!.version;
  }

  private async transaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async run<T>(work: (client: Queryable) => Promise<T>): Promise<T> {
    return work(await this.connect());
  }

  private async inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.transaction(await this.connect(), work);
  }

  async createNewStudy(directions: StudyDirection[], studyName?: string): Promise<number> {
    const name = studyName ?? `no-name-${randomUUID()}`;
    try {
      return await this.run(async (db) => {
        const { rows } = await db.query<{ study_id: number }>("INSERT INTO studies (study_name, directions) VALUES ($1, $2) RETURNING study_id", [name, directions]);
        return rows[0]!.study_id;
      });
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new DuplicatedStudyError(`a study named ${JSON.stringify(name)} already exists`);
      throw error;
    }
  }

  async deleteStudy(studyId: number): Promise<void> {
    const { rowCount } = await this.run((db) => db.query("DELETE FROM studies WHERE study_id = $1", [studyId]));
    if (rowCount === 0) throw new StudyNotFoundError(`no study with id ${studyId}`);
  }

  async getStudyIdFromName(studyName: string): Promise<number> {
    const { rows } = await this.run((db) => db.query<{ study_id: number }>("SELECT study_id FROM studies WHERE study_name = $1", [studyName]));
    if (rows.length === 0) throw new StudyNotFoundError(`no study named ${JSON.stringify(studyName)}`);
    return rows[0]!.study_id;
  }

  private async studyRow(studyId: number): Promise<{ study_name: string; directions: string[] }> {
    const { rows } = await this.run((db) => db.query<{ study_name: string; directions: string[] }>("SELECT study_name, directions FROM studies WHERE study_id = $1", [studyId]));
    if (rows.length === 0) throw new StudyNotFoundError(`no study with id ${studyId}`);
    return rows[0]!;
  }

  async getStudyName(studyId: number): Promise<string> {
    return (await this.studyRow(studyId)).study_name;
  }

  async getStudyDirections(studyId: number): Promise<StudyDirection[]> {
    return (await this.studyRow(studyId)).directions.map(parseDirection);
  }

  private async studyAttrs(studyId: number, kind: "user" | "system"): Promise<Record<string, AttrValue>> {
    const { rows } = await this.run((db) => db.query<{ key: string; value_json: string }>("SELECT key, value_json FROM study_attrs WHERE study_id = $1 AND kind = $2", [studyId, kind]));
    return Object.fromEntries(rows.map((row) => [row.key, JSON.parse(row.value_json) as AttrValue]));
  }

  getStudyUserAttrs(studyId: number): Promise<Record<string, AttrValue>> {
    return this.studyAttrs(studyId, "user");
  }

  getStudySystemAttrs(studyId: number): Promise<Record<string, AttrValue>> {
    return this.studyAttrs(studyId, "system");
  }

  private async setStudyAttr(studyId: number, kind: "user" | "system", key: string, value: AttrValue): Promise<void> {
    await this.run((db) =>
      db.query(
        `INSERT INTO study_attrs (study_id, kind, key, value_json) VALUES ($1, $2, $3, $4)
         ON CONFLICT (study_id, kind, key) DO UPDATE SET value_json = EXCLUDED.value_json`,
        [studyId, kind, key, JSON.stringify(value)],
      ),
    );
  }

  setStudyUserAttr(studyId: number, key: string, value: AttrValue): Promise<void> {
    return this.setStudyAttr(studyId, "user", key, value);
  }

  setStudySystemAttr(studyId: number, key: string, value: AttrValue): Promise<void> {
    return this.setStudyAttr(studyId, "system", key, value);
  }

  async getAllStudies(): Promise<StudySummary[]> {
    const { rows } = await this.run((db) =>
      db.query<{ study_id: number; study_name: string; directions: string[]; created_at: Date; n_trials: number; attrs: ["user" | "system", string, string][] }>(
        `SELECT s.study_id, s.study_name, s.directions, s.created_at,
           (SELECT count(*)::int FROM trials t WHERE t.study_id = s.study_id) AS n_trials,
           COALESCE((SELECT json_agg(json_build_array(a.kind, a.key, a.value_json)) FROM study_attrs a WHERE a.study_id = s.study_id), '[]') AS attrs
         FROM studies s ORDER BY s.study_id`,
      ),
    );
    return rows.map((row) => {
      const userAttrs: Record<string, AttrValue> = {};
      const systemAttrs: Record<string, AttrValue> = {};
      for (const [kind, key, value] of row.attrs) (kind === "user" ? userAttrs : systemAttrs)[key] = JSON.parse(value) as AttrValue;
      return {
        studyId: row.study_id,
        studyName: row.study_name,
        directions: row.directions.map(parseDirection),
        userAttrs,
        systemAttrs,
        nTrials: row.n_trials,
        datetimeStart: row.created_at,
      };
    });
  }

  async createNewTrial(studyId: number, template?: TrialTemplate): Promise<FrozenTrial> {
    const state = template?.state ?? TrialState.Running;
    const trialId = await this.inTransaction(async (client) => {
      // The counter row is locked until commit: concurrent creators queue here, one number each.
      const counter = await client.query<{ number: number }>("UPDATE studies SET next_trial_number = next_trial_number + 1 WHERE study_id = $1 RETURNING next_trial_number - 1 AS number", [studyId]);
      if (counter.rows.length === 0) throw new StudyNotFoundError(`no study with id ${studyId}`);
      const start = template?.datetimeStart !== undefined ? template.datetimeStart : state === TrialState.Waiting ? null : "now";
      const complete = template?.datetimeComplete !== undefined ? template.datetimeComplete : isFinishedState(state) ? "now" : null;
      const { rows } = await client.query<{ trial_id: number }>(
        `INSERT INTO trials (study_id, number, state, objective_values, datetime_start, datetime_complete)
         VALUES ($1, $2, $3, $4,
           CASE WHEN $5::text = 'now' THEN now() ELSE $6::timestamptz END,
           CASE WHEN $7::text = 'now' THEN now() ELSE $8::timestamptz END)
         RETURNING trial_id`,
        [
          studyId,
          counter.rows[0]!.number,
          state,
          template?.values ? [...template.values] : null,
          start === "now" ? "now" : null,
          start instanceof Date ? start : null,
          complete === "now" ? "now" : null,
          complete instanceof Date ? complete : null,
        ],
      );
      const id = rows[0]!.trial_id;
      for (const [name, value] of Object.entries(template?.internalParams ?? {})) {
        const distribution = template?.distributions?.[name];
        if (!distribution) throw new Error(`trial template: parameter ${JSON.stringify(name)} has no distribution`);
        await client.query("INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) VALUES ($1, $2, $3, $4)", [id, name, value, distributionToJson(distribution)]);
      }
      for (const [step, value] of template?.intermediateValues ?? []) {
        await client.query("INSERT INTO trial_intermediate_values (trial_id, step, value) VALUES ($1, $2, $3)", [id, step, value]);
      }
      for (const [kind, attrs] of [["user", template?.userAttrs], ["system", template?.systemAttrs]] as const) {
        for (const [key, value] of Object.entries(attrs ?? {})) {
          await client.query("INSERT INTO trial_attrs (trial_id, kind, key, value_json) VALUES ($1, $2, $3, $4)", [id, kind, key, JSON.stringify(value)]);
        }
      }
      if (state === TrialState.Running && this.heartbeat) await client.query("INSERT INTO trial_heartbeats (trial_id) VALUES ($1)", [id]);
      return id;
    });
    return this.getTrial(trialId);
  }

  async claimWaitingTrial(studyId: number): Promise<FrozenTrial | null> {
    const trialId = await this.inTransaction(async (client) => {
      const { rows } = await client.query<{ trial_id: number }>(
        `UPDATE trials SET state = 'running', datetime_start = now()
         WHERE trial_id = (
           SELECT trial_id FROM trials WHERE study_id = $1 AND state = 'waiting'
           ORDER BY number LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING trial_id`,
        [studyId],
      );
      if (rows.length === 0) return null;
      const id = rows[0]!.trial_id;
      if (this.heartbeat) {
        await client.query("INSERT INTO trial_heartbeats (trial_id) VALUES ($1) ON CONFLICT (trial_id) DO UPDATE SET heartbeat_at = now()", [id]);
      }
      return id;
    });
    return trialId === null ? null : this.getTrial(trialId);
  }

  /** Throws the right error after a write matched no unfinished trial. */
  private async explainMissedWrite(db: Queryable, trialId: number, action: string): Promise<never> {
    const { rows } = await db.query<{ number: number; state: string }>("SELECT number, state FROM trials WHERE trial_id = $1", [trialId]);
    if (rows.length === 0) throw new RangeError(`no trial with id ${trialId}`);
    throw new TrialFinishedError(`cannot ${action} of trial ${rows[0]!.number}: it has already finished (${rows[0]!.state})`);
  }

  async setTrialParam(trialId: number, name: string, internalValue: number, distribution: Distribution): Promise<void> {
    await this.run(async (db) => {
      const { rowCount } = await db.query(
        `INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json)
         SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM trials WHERE trial_id = $1 AND state = ANY($5))
         ON CONFLICT (trial_id, param_name) DO UPDATE SET param_value = EXCLUDED.param_value, distribution_json = EXCLUDED.distribution_json`,
        [trialId, name, internalValue, distributionToJson(distribution), UNFINISHED_STATES],
      );
      if (rowCount === 0) await this.explainMissedWrite(db, trialId, `set parameter ${JSON.stringify(name)}`);
    });
  }

  async setTrialIntermediateValue(trialId: number, step: number, value: number): Promise<void> {
    await this.run(async (db) => {
      const { rowCount } = await db.query(
        `INSERT INTO trial_intermediate_values (trial_id, step, value)
         SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM trials WHERE trial_id = $1 AND state = ANY($4))
         ON CONFLICT (trial_id, step) DO UPDATE SET value = EXCLUDED.value`,
        [trialId, step, value, UNFINISHED_STATES],
      );
      if (rowCount === 0) await this.explainMissedWrite(db, trialId, `report step ${step}`);
    });
  }

  private async setTrialAttr(trialId: number, kind: "user" | "system", key: string, value: AttrValue): Promise<void> {
    await this.run(async (db) => {
      const { rowCount } = await db.query(
        `INSERT INTO trial_attrs (trial_id, kind, key, value_json)
         SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM trials WHERE trial_id = $1 AND state = ANY($5))
         ON CONFLICT (trial_id, kind, key) DO UPDATE SET value_json = EXCLUDED.value_json`,
        [trialId, kind, key, JSON.stringify(value), UNFINISHED_STATES],
      );
      if (rowCount === 0) await this.explainMissedWrite(db, trialId, `set attribute ${JSON.stringify(key)}`);
    });
  }

  setTrialUserAttr(trialId: number, key: string, value: AttrValue): Promise<void> {
    return this.setTrialAttr(trialId, "user", key, value);
  }

  setTrialSystemAttr(trialId: number, key: string, value: AttrValue): Promise<void> {
    return this.setTrialAttr(trialId, "system", key, value);
  }

  async setTrialState(trialId: number, state: TrialState, values?: readonly number[] | null): Promise<void> {
    await this.inTransaction(async (client) => {
      const result =
        state === TrialState.Running
          ? await client.query("UPDATE trials SET state = 'running', datetime_start = now() WHERE trial_id = $1 AND state = 'waiting'", [trialId])
          : await client.query(
              `UPDATE trials SET state = $2, datetime_complete = now()${values !== undefined ? ", objective_values = $3" : ""}
               WHERE trial_id = $1 AND state = ANY(${values !== undefined ? "$4" : "$3"})`,
              values !== undefined ? [trialId, state, values === null ? null : [...values], UNFINISHED_STATES] : [trialId, state, UNFINISHED_STATES],
            );
      if (result.rowCount === 0) await this.explainMissedWrite(client, trialId, `set the state to ${state}`);
      if (isFinishedState(state)) await client.query("DELETE FROM trial_heartbeats WHERE trial_id = $1", [trialId]);
    });
  }

  async getTrial(trialId: number): Promise<FrozenTrial> {
    const { rows } = await this.run((db) => db.query<TrialRow>(`SELECT ${TRIAL_COLUMNS} FROM trials t WHERE t.trial_id = $1`, [trialId]));
    if (rows.length === 0) throw new RangeError(`no trial with id ${trialId}`);
    return rowToTrial(rows[0]!);
  }

  async getAllTrials(studyId: number, states?: readonly TrialState[]): Promise<FrozenTrial[]> {
    const { rows } = await this.run((db) =>
      states
        ? db.query<TrialRow>(`SELECT ${TRIAL_COLUMNS} FROM trials t WHERE t.study_id = $1 AND t.state = ANY($2) ORDER BY t.number`, [studyId, [...states]])
        : db.query<TrialRow>(`SELECT ${TRIAL_COLUMNS} FROM trials t WHERE t.study_id = $1 ORDER BY t.number`, [studyId]),
    );
    return rows.map(rowToTrial);
  }

  async recordHeartbeat(trialId: number): Promise<void> {
    await this.run((db) =>
      db.query(
        `INSERT INTO trial_heartbeats (trial_id)
         SELECT $1 WHERE EXISTS (SELECT 1 FROM trials WHERE trial_id = $1 AND state = 'running')
         ON CONFLICT (trial_id) DO UPDATE SET heartbeat_at = now()`,
        [trialId],
      ),
    );
  }

  async failStaleTrials(studyId: number, gracePeriod: number): Promise<FrozenTrial[]> {
    const reason = `no heartbeat for more than ${gracePeriod} s: its worker stopped`;
    const failedIds = await this.inTransaction(async (client) => {
      // SKIP LOCKED + the state re-check hand each stale trial to exactly one caller.
      const { rows } = await client.query<{ trial_id: number }>(
        `WITH stale AS (
           SELECT t.trial_id FROM trials t JOIN trial_heartbeats h ON h.trial_id = t.trial_id
           WHERE t.study_id = $1 AND t.state = 'running' AND h.heartbeat_at < now() - make_interval(secs => $2)
           FOR UPDATE OF t SKIP LOCKED)
         UPDATE trials SET state = 'fail', datetime_complete = now()
         FROM stale WHERE trials.trial_id = stale.trial_id AND trials.state = 'running'
         RETURNING trials.trial_id`,
        [studyId, gracePeriod],
      );
      for (const { trial_id } of rows) {
        await client.query(
          `INSERT INTO trial_attrs (trial_id, kind, key, value_json) VALUES ($1, 'system', $2, $3)
           ON CONFLICT (trial_id, kind, key) DO UPDATE SET value_json = EXCLUDED.value_json`,
          [trial_id, FAIL_REASON_KEY, JSON.stringify(reason)],
        );
        await client.query("DELETE FROM trial_heartbeats WHERE trial_id = $1", [trial_id]);
      }
      return rows.map((row) => row.trial_id);
    });
    return Promise.all(failedIds.map((id) => this.getTrial(id)));
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    this.ready = null;
    if (pool) await pool.end();
  }
}

function rowToTrial(row: TrialRow): FrozenTrial {
  const internalParams: Record<string, number> = {};
  const distributions: Record<string, Distribution> = {};
  for (const [name, value, distribution] of row.params) {
    internalParams[name] = Number(value);
    distributions[name] = distributionFromJson(distribution);
  }
  const userAttrs: Record<string, AttrValue> = {};
  const systemAttrs: Record<string, AttrValue> = {};
  for (const [kind, key, value] of row.attrs) (kind === "user" ? userAttrs : systemAttrs)[key] = JSON.parse(value) as AttrValue;
  return new FrozenTrial({
    trialId: row.trial_id,
    number: row.number,
    state: parseTrialState(row.state),
    values: row.objective_values ? row.objective_values.map(Number) : null,
    datetimeStart: row.datetime_start,
    datetimeComplete: row.datetime_complete,
    internalParams,
    distributions,
    userAttrs,
    systemAttrs,
    intermediateValues: new Map(row.intermediate.map(([step, value]) => [step, Number(value)])),
  });
}
