-- Why each script shot got its footage, and what a challenge production was asked for and whether the cut honours
-- it. Archive shot ids are not foreign keys here: re-analysing a file renumbers its shots, and a production's
-- choices must survive that until it is matched again (the source path and range say what was used).

-- The footage chosen for a script shot: the archive shot, the sub-range cut from its file, and its final score.
CREATE TABLE shot_matches (
    shot_id       INTEGER PRIMARY KEY REFERENCES shots(id) ON DELETE CASCADE,
    archive_shot  INTEGER NOT NULL,
    source        TEXT    NOT NULL,               -- the archive file, as ingested
    start_ms      INTEGER NOT NULL,
    duration_ms   INTEGER NOT NULL,
    score         REAL    NOT NULL,
    query         TEXT    NOT NULL DEFAULT ''     -- the text the archive was searched with
);

-- Every candidate a shot's choice was made from, best first (rank 0 is the winner).
CREATE TABLE shot_candidates (
    shot_id       INTEGER NOT NULL REFERENCES shots(id) ON DELETE CASCADE,
    rank          INTEGER NOT NULL,
    archive_shot  INTEGER NOT NULL,
    score         REAL    NOT NULL,
    why           TEXT    NOT NULL,               -- retrieval rank and each adjustment, in words
    PRIMARY KEY (shot_id, rank)
) WITHOUT ROWID;

-- The challenge brief of a production (JSON: title, line, prop, deadline), when it was made from one.
ALTER TABLE productions ADD COLUMN brief TEXT;

-- The result of each brief constraint, checked in the script and in the cut.
CREATE TABLE production_checks (
    production_id  INTEGER NOT NULL REFERENCES productions(id) ON DELETE CASCADE,
    name           TEXT    NOT NULL,              -- title_card, line_spoken, prop_in_action
    ok             INTEGER NOT NULL,
    detail         TEXT    NOT NULL,
    checked_at     INTEGER NOT NULL,
    PRIMARY KEY (production_id, name)
) WITHOUT ROWID;
