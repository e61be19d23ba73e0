#!/usr/bin/env python3
"""The weight bench's reference: the same reviews in SQLite, as a lean inbox would keep them.

Usage: sqlite-reference.py REVIEWS.tsv OUT.sqlite

One row per review (16-byte random id, workspace and location ids, origin, external id,
author, rating, text, times, reply), the indexes an inbox needs (newest first per workspace and
per location, one per provider id for idempotent ingest, by rating), an FTS5 index over text,
reply and author (external content, so the text is stored once), and a per-day rollup table
(location and whole workspace, by origin) kept in the same transaction. Pages of 50 reviews per
transaction, synchronous=FULL, the default rollback journal.
"""
import os
import sqlite3
import sys

src, out = sys.argv[1], sys.argv[2]
db = sqlite3.connect(out, isolation_level=None)
db.execute("PRAGMA synchronous=FULL")
db.executescript(
    """
    CREATE TABLE items(
      id BLOB PRIMARY KEY, workspace BLOB NOT NULL, location BLOB NOT NULL,
      origin INTEGER NOT NULL, external_id TEXT NOT NULL, author TEXT NOT NULL,
      rating INTEGER, text TEXT NOT NULL, created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL, reply_text TEXT, reply_at INTEGER, status INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX items_ext ON items(workspace, origin, external_id);
    CREATE INDEX items_ws ON items(workspace, created_at);
    CREATE INDEX items_loc ON items(workspace, location, created_at);
    CREATE INDEX items_rating ON items(workspace, rating, created_at);
    CREATE VIRTUAL TABLE items_fts USING fts5(
      text, reply_text, author, content='items', content_rowid='rowid'
    );
    CREATE TABLE rollups(
      workspace BLOB NOT NULL, scope BLOB NOT NULL, day INTEGER NOT NULL, origin INTEGER NOT NULL,
      items INTEGER NOT NULL, s1 INTEGER, s2 INTEGER, s3 INTEGER, s4 INTEGER, s5 INTEGER,
      replied INTEGER NOT NULL, response_minutes_sum INTEGER NOT NULL,
      PRIMARY KEY(workspace, scope, day, origin)
    ) WITHOUT ROWID;
    """
)
ws = os.urandom(16)
locations = {}
ALL = bytes(16)
ORIGINS = {"google": 0, "facebook": 1, "import": 2}
page = []


def flush():
    db.execute("BEGIN")
    for (loc, origin, ext, author, stars, text, created, reply, reply_at) in page:
        cur = db.execute(
            "INSERT INTO items VALUES(?,?,?,?,?,?,?,?,?,?,?,?,0)",
            (os.urandom(16), ws, loc, origin, ext, author, stars, text, created, created,
             reply or None, reply_at or None),
        )
        db.execute(
            "INSERT INTO items_fts(rowid, text, reply_text, author) VALUES(?,?,?,?)",
            (cur.lastrowid, text, reply, author),
        )
        day = created // 86400
        minutes = (reply_at - created) // 60 if reply_at else 0
        for scope in (loc, ALL):
            db.execute(
                """INSERT INTO rollups VALUES(?,?,?,?,1,?,?,?,?,?,?,?)
                   ON CONFLICT DO UPDATE SET items=items+1, s1=s1+excluded.s1,
                   s2=s2+excluded.s2, s3=s3+excluded.s3, s4=s4+excluded.s4, s5=s5+excluded.s5,
                   replied=replied+excluded.replied,
                   response_minutes_sum=response_minutes_sum+excluded.response_minutes_sum""",
                (ws, scope, day, origin, *[int(stars == s) for s in range(1, 6)],
                 int(bool(reply)), minutes),
            )
    db.execute("COMMIT")
    page.clear()


with open(src, encoding="utf-8") as f:
    for line in f:
        li, origin, ext, author, stars, text, created, reply, reply_at = line.rstrip("\n").split("\t")
        loc = locations.setdefault(li, os.urandom(16))
        page.append((loc, ORIGINS[origin], ext, author, int(stars), text, int(created), reply,
                     int(reply_at)))
        if len(page) == 50:
            flush()
if page:
    flush()
db.close()
