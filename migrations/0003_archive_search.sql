-- Faces and shot scale per shot, the links between cues and the shots they overlap, and sentence embeddings of
-- each shot's description and each cue for semantic search.

ALTER TABLE archive_shots ADD COLUMN faces INTEGER;       -- faces found on the keyframe; NULL: not looked for
ALTER TABLE archive_shots ADD COLUMN face_height REAL;    -- the largest face's height ÷ the frame's height
ALTER TABLE archive_shots ADD COLUMN scale TEXT;          -- close, medium or wide, from face size; NULL: unknown

-- A cue belongs to every shot its time overlaps.
CREATE TABLE archive_shot_cues (
    shot_id  INTEGER NOT NULL REFERENCES archive_shots(id) ON DELETE CASCADE,
    cue_id   INTEGER NOT NULL REFERENCES archive_cues(id) ON DELETE CASCADE,
    PRIMARY KEY (shot_id, cue_id)
) WITHOUT ROWID;
CREATE INDEX archive_shot_cues_cue ON archive_shot_cues (cue_id);

-- Unit-length embeddings as little-endian f32 BLOBs; `model` names the embedding model that made them.
CREATE TABLE archive_shot_vectors (
    shot_id  INTEGER PRIMARY KEY REFERENCES archive_shots(id) ON DELETE CASCADE,
    model    TEXT    NOT NULL,
    vector   BLOB    NOT NULL
);
CREATE TABLE archive_cue_vectors (
    cue_id   INTEGER PRIMARY KEY REFERENCES archive_cues(id) ON DELETE CASCADE,
    model    TEXT    NOT NULL,
    vector   BLOB    NOT NULL
);
