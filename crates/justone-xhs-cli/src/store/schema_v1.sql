-- The justone-xhs database, schema version 1 (PRAGMA user_version = 1;
-- PRAGMA application_id = 1247299667, 'JXHS').
--
-- Times are UTC in ISO 8601 with milliseconds (2026-11-27T10:00:00.123Z), so
-- they sort as text and SQLite's date functions read them.

-- One row per harvest. `--resume` continues a run in its own row.
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT    NOT NULL,
    -- NULL while the run is going on, and forever for a process that was
    -- killed (status stays 'running'; --resume continues it).
    finished_at TEXT,
    -- The command line, credentials left out (the token is never on it).
    command     TEXT    NOT NULL,
    -- The channel oids as a JSON array, in the order of the command line.
    channels    TEXT    NOT NULL,
    first_page  INTEGER NOT NULL,
    -- Pages asked for per channel (fewer when a feed ends).
    pages       INTEGER NOT NULL,
    status      TEXT    NOT NULL
                CHECK (status IN ('running', 'complete', 'failed', 'interrupted')),
    -- 1, plus one for each --resume.
    attempts    INTEGER NOT NULL DEFAULT 1,
    -- Requests sent (retries included), added by each attempt that reaches
    -- its end (one killed with -9 cannot): what may be billed. NULL until
    -- an attempt ends.
    requests    INTEGER,
    retries     INTEGER
);

-- One row per note id: the fields of the jsonl record as last seen.
CREATE TABLE notes (
    id              TEXT PRIMARY KEY,
    type            TEXT,
    title           TEXT,
    "desc"          TEXT,
    likes           INTEGER,
    author_id       TEXT,
    author_nickname TEXT,
    category_id     TEXT,
    category_name   TEXT,
    timestamp       INTEGER,
    is_ads          INTEGER,
    cover           TEXT,
    first_seen      TEXT NOT NULL,
    last_seen       TEXT NOT NULL,
    -- The item's JSON object at last_seen, byte for byte as received.
    raw             TEXT NOT NULL
);

-- One row per note per fetch: the history that shows a note rising.
CREATE TABLE observations (
    run_id     INTEGER NOT NULL REFERENCES runs (id),
    channel    TEXT    NOT NULL,
    page       INTEGER NOT NULL,
    -- 1 for the first item of the page.
    position   INTEGER NOT NULL,
    note_id    TEXT    NOT NULL REFERENCES notes (id),
    fetched_at TEXT    NOT NULL,
    likes      INTEGER,
    PRIMARY KEY (run_id, channel, page, position)
) WITHOUT ROWID;

CREATE INDEX observations_by_note ON observations (note_id, fetched_at);

-- One row per page a run stored, ended on or failed at; written in the same
-- transaction as the page's observations, so it is the run's checkpoint.
CREATE TABLE progress (
    run_id  INTEGER NOT NULL REFERENCES runs (id),
    channel TEXT    NOT NULL,
    page    INTEGER NOT NULL,
    -- 'written': the page's items are stored; 'end': the empty page that
    -- ended the feed; 'failed': the page failed for good (see error).
    state   TEXT    NOT NULL CHECK (state IN ('written', 'end', 'failed')),
    -- Observations stored from the page.
    items   INTEGER NOT NULL,
    at      TEXT    NOT NULL,
    error   TEXT,
    PRIMARY KEY (run_id, channel, page)
) WITHOUT ROWID;
