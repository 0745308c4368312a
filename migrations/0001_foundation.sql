-- The foundation: productions, the job DAG the scheduler runs, and a production's script shots.
-- A migration that has shipped is never edited: later issues add new files.
-- Times are Unix milliseconds (INTEGER). Hashes are lowercase hex BLAKE3.

CREATE TABLE productions (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,          -- slug; its files live in productions/<name>/
    title       TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- One row per node of a DAG. production_id is NULL for library work that belongs to no production
-- (an archive ingest, a training run).
CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY,
    production_id    INTEGER REFERENCES productions(id) ON DELETE CASCADE,
    name             TEXT    NOT NULL,             -- stable within its production, e.g. "voice/12"
    kind             TEXT    NOT NULL,             -- the handler that runs it, e.g. "voice"
    stage            TEXT    NOT NULL,             -- what `reel status` groups by
    params           TEXT    NOT NULL,             -- canonical JSON, hashed into the key
    inputs           TEXT    NOT NULL DEFAULT '[]',-- JSON array of external input files, content-hashed into the key
    outputs          TEXT    NOT NULL DEFAULT '[]',-- JSON array of output files, relative to the workspace
    cost             INTEGER NOT NULL DEFAULT 1,   -- cores it holds while it runs; 0 means all of them
    priority         INTEGER NOT NULL DEFAULT 0,   -- higher runs first
    max_attempts     INTEGER NOT NULL DEFAULT 3,
    state            TEXT    NOT NULL DEFAULT 'waiting'
                     CHECK (state IN ('waiting', 'ready', 'running', 'done', 'failed', 'skipped')),
    key              TEXT,                         -- key of the attempt being made (set when it becomes ready)
    done_key         TEXT,                         -- key whose outputs are recorded in job_outputs
    result_hash      TEXT,                         -- hash of the recorded outputs; dependents hash it into their keys
    attempts         INTEGER NOT NULL DEFAULT 0,   -- attempts at the current key
    not_before       INTEGER NOT NULL DEFAULT 0,   -- retry backoff: not claimable before this time
    lease_owner      TEXT,                         -- host:pid:start of the process running it
    lease_expires_at INTEGER,
    error            TEXT,                         -- the last failure's message
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (production_id, name)
);
CREATE INDEX jobs_claim ON jobs (state, priority DESC, id);
CREATE INDEX jobs_production ON jobs (production_id, state);
-- UNIQUE does not hold for NULL production_id, so library job names get their own index.
CREATE UNIQUE INDEX jobs_library_name ON jobs (name) WHERE production_id IS NULL;

CREATE TABLE job_deps (
    job_id  INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    dep_id  INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    ord     INTEGER NOT NULL,                      -- order of the dependency in the job's spec
    PRIMARY KEY (job_id, dep_id)
);
CREATE INDEX job_deps_dep ON job_deps (dep_id);

-- The outputs of a job's last success. A job is done only when these rows exist.
CREATE TABLE job_outputs (
    job_id    INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    ord       INTEGER NOT NULL,
    path      TEXT    NOT NULL,
    hash      TEXT    NOT NULL,
    size      INTEGER NOT NULL,
    mtime_ns  INTEGER NOT NULL,
    PRIMARY KEY (job_id, ord)
);

-- Every attempt at running a job: the history behind timings, retries and the crash test.
CREATE TABLE job_runs (
    id           INTEGER PRIMARY KEY,
    job_id       INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    key          TEXT    NOT NULL,
    attempt      INTEGER NOT NULL,
    owner        TEXT    NOT NULL,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    outcome      TEXT    NOT NULL DEFAULT 'running'
                 CHECK (outcome IN ('running', 'done', 'retry', 'failed', 'cancelled', 'lost')),
    message      TEXT
);
CREATE INDEX job_runs_job ON job_runs (job_id);

-- Content hashes of input files, reused while size and mtime are unchanged.
CREATE TABLE file_hashes (
    path      TEXT    PRIMARY KEY,
    size      INTEGER NOT NULL,
    mtime_ns  INTEGER NOT NULL,
    hash      TEXT    NOT NULL
);

-- A production's script shots, in cut order.
CREATE TABLE shots (
    id             INTEGER PRIMARY KEY,
    production_id  INTEGER NOT NULL REFERENCES productions(id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,               -- 0-based order in the cut
    scene          INTEGER NOT NULL,               -- 0 for the title card, then 1.. per scene heading
    kind           TEXT    NOT NULL
                   CHECK (kind IN ('title', 'establishing', 'action', 'dialogue', 'credits')),
    character      TEXT,
    text           TEXT    NOT NULL DEFAULT '',
    target_ms      INTEGER NOT NULL,
    script_line    INTEGER,                        -- 1-based line in the script, where there is one
    UNIQUE (production_id, position)
);
