/** One step of the PostgreSQL schema; applied once, in order, inside a transaction. */
export interface Migration {
  version: number;
  description: string;
  statements: readonly string[];
}

/**
 * The schema history. Never edit a released migration: append a new one. `schema_version` holds
 * one row per applied migration.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "studies, trials, parameters, values and attributes",
    statements: [
      `CREATE TABLE studies (
        study_id SERIAL PRIMARY KEY,
        study_name TEXT NOT NULL UNIQUE,
        directions TEXT[] NOT NULL,
        next_trial_number INTEGER NOT NULL DEFAULT 0,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE study_attrs (
        study_id INTEGER NOT NULL REFERENCES studies(study_id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('user', 'system')),
        key TEXT NOT NULL,
        value_json TEXT NOT NULL,
        PRIMARY KEY (study_id, kind, key)
      )`,
      `CREATE TABLE trials (
        trial_id SERIAL PRIMARY KEY,
        study_id INTEGER NOT NULL REFERENCES studies(study_id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('waiting', 'running', 'complete', 'pruned', 'fail')),
        objective_values DOUBLE PRECISION[],
        datetime_start TIMESTAMPTZ,
        datetime_complete TIMESTAMPTZ,
        UNIQUE (study_id, number)
      )`,
      `CREATE INDEX trials_study_state ON trials (study_id, state)`,
      `CREATE TABLE trial_params (
        trial_id INTEGER NOT NULL REFERENCES trials(trial_id) ON DELETE CASCADE,
        param_name TEXT NOT NULL,
        param_value DOUBLE PRECISION NOT NULL,
        distribution_json TEXT NOT NULL,
        PRIMARY KEY (trial_id, param_name)
      )`,
      `CREATE TABLE trial_intermediate_values (
        trial_id INTEGER NOT NULL REFERENCES trials(trial_id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        value DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (trial_id, step)
      )`,
      `CREATE TABLE trial_attrs (
        trial_id INTEGER NOT NULL REFERENCES trials(trial_id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('user', 'system')),
        key TEXT NOT NULL,
        value_json TEXT NOT NULL,
        PRIMARY KEY (trial_id, kind, key)
      )`,
    ],
  },
  {
    version: 2,
    description: "heartbeats of running trials",
    statements: [
      `CREATE TABLE trial_heartbeats (
        trial_id INTEGER PRIMARY KEY REFERENCES trials(trial_id) ON DELETE CASCADE,
        heartbeat_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`,
    ],
  },
];

/** The schema version this code expects. */
export const CURRENT_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
