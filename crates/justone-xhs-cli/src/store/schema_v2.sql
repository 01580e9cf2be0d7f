-- Schema version 2: provenance of every observation, full-text search over
-- the notes, and the `records` view. Applied to a version 1 database in one
-- transaction; nothing of version 1 changes meaning.

-- The provider's requestId of the answer that carried the sighting (NULL
-- for sightings stored by version 1).
ALTER TABLE observations ADD COLUMN request_id TEXT;

-- Full-text search over title and description. The trigram tokenizer
-- indexes every three characters, so it needs no word breaks (Chinese has
-- none); MATCH needs at least three characters, and LIKE on the table's
-- columns answers shorter queries from its own copy of the text. The table
-- keeps that copy (not an external-content table over `notes`): an external
-- one is keyed by rowid, which VACUUM may renumber in `notes`.
-- columnsize=0: no table of column sizes to write with every note (bm25's
-- `rank` measures the columns when a query asks: a cost paid by readers,
-- not by the harvest).
CREATE VIRTUAL TABLE notes_fts USING fts5 (
    note_id UNINDEXED,
    title,
    "desc",
    tokenize = 'trigram',
    columnsize = 0
);

INSERT INTO notes_fts (note_id, title, "desc") SELECT id, title, "desc" FROM notes;

-- Kept in step with `notes` in the transaction that changes it. A note seen
-- again replaces its fields with the same text: the index is only touched
-- when the title or the description really changed (then the old row is
-- found by a scan of the index's text, which such changes are rare enough
-- to afford).
CREATE TRIGGER notes_fts_insert AFTER INSERT ON notes BEGIN
    INSERT INTO notes_fts (note_id, title, "desc") VALUES (new.id, new.title, new."desc");
END;

CREATE TRIGGER notes_fts_update AFTER UPDATE OF title, "desc" ON notes
WHEN old.title IS NOT new.title OR old."desc" IS NOT new."desc" BEGIN
    DELETE FROM notes_fts WHERE note_id = old.id;
    INSERT INTO notes_fts (note_id, title, "desc") VALUES (new.id, new.title, new."desc");
END;

CREATE TRIGGER notes_fts_delete AFTER DELETE ON notes BEGIN
    DELETE FROM notes_fts WHERE note_id = old.id;
END;

-- One row per observation; `record` is the jsonl record `feed` wrote for
-- it (the same keys in the same order). `likes`, `channel`, `page`,
-- `fetched_at` and `request_id` are the sighting's own; the other fields
-- are the note's as last seen (a note's text seldom changes).
CREATE VIEW records AS
SELECT
    o.run_id,
    o.channel,
    o.page,
    o.position,
    o.note_id,
    o.fetched_at,
    json_object(
        'channel', o.channel,
        'page', o.page,
        'id', n.id,
        'type', n.type,
        'title', n.title,
        'desc', n."desc",
        'likes', o.likes,
        'author', json_object('id', n.author_id, 'nickname', n.author_nickname),
        'category', json(CASE WHEN n.category_id IS NOT NULL
            THEN json_object('id', n.category_id, 'name', n.category_name) END),
        'timestamp', n.timestamp,
        'is_ads', json(CASE n.is_ads WHEN 1 THEN 'true' WHEN 0 THEN 'false' END),
        'cover', n.cover,
        'fetched_at', o.fetched_at,
        'request_id', o.request_id
    ) AS record
FROM observations o
JOIN notes n ON n.id = o.note_id;
