-- Schema version 3: what `api --pages --output FILE.db` stores. Each walk of
-- an operation is a run; each page its `data` as sent with the parameters
-- it was asked with and those of the next page (what `--resume` continues
-- from); each item of the page's list its raw JSON and, where the item has
-- one, its id. Nothing of versions 1 and 2 changes.

CREATE TABLE operation_runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    command TEXT NOT NULL,
    operation TEXT NOT NULL,
    -- JSON [[name, value], ...]: the parameters the walk started with.
    params TEXT NOT NULL,
    pages INTEGER NOT NULL,
    -- running, complete, failed, interrupted (a signal or --max-requests).
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1,
    requests INTEGER NOT NULL DEFAULT 0,
    retries INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE operation_pages (
    run INTEGER NOT NULL REFERENCES operation_runs (id),
    -- The page's place in the walk, from 1.
    page INTEGER NOT NULL,
    params TEXT NOT NULL,
    -- JSON: the next page's parameters; NULL when the answer ended the walk.
    next_params TEXT,
    request_id TEXT,
    fetched_at TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (run, page)
) WITHOUT ROWID;

CREATE TABLE operation_items (
    run INTEGER NOT NULL,
    page INTEGER NOT NULL,
    position INTEGER NOT NULL,
    -- The item's `id` (or `note_id`, `noteId`, `comment_id`, `user_id`,
    -- `userId`), when it has one.
    item_id TEXT,
    raw TEXT NOT NULL,
    PRIMARY KEY (run, page, position),
    FOREIGN KEY (run, page) REFERENCES operation_pages (run, page)
) WITHOUT ROWID;

CREATE INDEX operation_items_by_id ON operation_items (item_id);
