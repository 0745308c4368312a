-- The archive: footage files, their shots with features, their dialogue cues, and full-text search over both.

CREATE TABLE archive_files (
    id             INTEGER PRIMARY KEY,
    path           TEXT    NOT NULL UNIQUE,        -- absolute path as added
    hash           TEXT    NOT NULL,               -- BLAKE3 of the file's content
    analysis_hash  TEXT    NOT NULL,               -- BLAKE3 of the analysis imported, so an import is never redone
    duration_s     REAL    NOT NULL,
    fps            REAL    NOT NULL,
    width          INTEGER NOT NULL,
    height         INTEGER NOT NULL,
    has_audio      INTEGER NOT NULL,
    streams        TEXT    NOT NULL,               -- JSON: the probe's stream list
    warnings       TEXT    NOT NULL,               -- JSON: damage found while analysing
    imported_at    INTEGER NOT NULL
);
CREATE INDEX archive_files_hash ON archive_files (hash);

CREATE TABLE archive_shots (
    id             INTEGER PRIMARY KEY,
    file_id        INTEGER NOT NULL REFERENCES archive_files(id) ON DELETE CASCADE,
    idx            INTEGER NOT NULL,               -- 0-based shot number within the file
    start_frame    INTEGER NOT NULL,
    end_frame      INTEGER NOT NULL,               -- exclusive
    start_s        REAL    NOT NULL,
    end_s          REAL    NOT NULL,
    boundary       TEXT    NOT NULL,               -- what starts the shot: start, cut, fade
    luma           REAL    NOT NULL,               -- mean full-range luma, 0..255
    contrast       REAL    NOT NULL,
    motion         REAL    NOT NULL,
    colours        TEXT    NOT NULL,               -- JSON: up to 3 dominant RGB colours
    loudness_lufs  REAL,
    thumbnail      TEXT,                           -- path relative to the workspace
    description    TEXT    NOT NULL,               -- words built from the features, for search
    dialogue       TEXT    NOT NULL DEFAULT '',    -- the cues overlapping the shot, joined
    UNIQUE (file_id, idx)
);

CREATE TABLE archive_cues (
    id        INTEGER PRIMARY KEY,
    file_id   INTEGER NOT NULL REFERENCES archive_files(id) ON DELETE CASCADE,
    start_ms  INTEGER NOT NULL,
    end_ms    INTEGER NOT NULL,
    text      TEXT    NOT NULL,
    speaker   TEXT,
    source    TEXT    NOT NULL                     -- the subtitle file it came from
);
CREATE INDEX archive_cues_file ON archive_cues (file_id, start_ms);

-- Full-text index of each shot's dialogue and description; rowid is archive_shots.id.
CREATE VIRTUAL TABLE archive_shots_fts USING fts5 (
    dialogue, description, tokenize = 'unicode61 remove_diacritics 2'
);
