#!/usr/bin/env python3
"""bench/e2e/sqlite_generate.py — an app-like SQLite file for the SQLite→PostgreSQL benchmark.

usage: bench/e2e/sqlite_generate.py PATH [--scale S] [--seed N]

  PATH        the SQLite file to write (replaced if it exists)
  --scale S   dataset size; 1 = about 350 MB and 1.5 M rows (default 1; 0.1 = about 35 MB)
  --seed N    random seed (default 20240301): the same scale and seed give the same content

Tables (rows at scale 1):
  users        50 000   INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT UNIQUE NOT NULL, name (some
                        NULL), created_at DATETIME as '2024-03-01 12:34:56', is_admin BOOLEAN 0/1,
                        balance REAL (most values need 17 significant digits to round-trip)
  posts        55 000   user_id REFERENCES users, title, slug (UNIQUE index), body 500-3000 chars
                        with non-ASCII text, published_at INTEGER epoch ms (NULL for drafts,
                        partial index WHERE published_at IS NOT NULL), score REAL (some NULL)
  comments    480 000   post_id REFERENCES posts, user_id REFERENCES users, body, created_at TEXT
                        '2024-03-01T12:34:56.123456'
  attachments  10 000   post_id REFERENCES posts, filename, data BLOB 1-8 kB (random bytes)
  tags          2 000   name TEXT PRIMARY KEY, hits INTEGER; WITHOUT ROWID
  post_tags   ~165 000  (post_id, tag) PRIMARY KEY, WITHOUT ROWID, 0-6 tags per post
  events      720 000   no primary key: kind TEXT, payload JSON (text), at INTEGER epoch seconds

Written fast: journal_mode=OFF, synchronous=OFF, executemany in large transactions; indexes are
created after the data. Writes to PATH.tmp and renames it to PATH when complete, so an interrupted
run never leaves a truncated PATH behind. Prints the file size and the row count of every table.
"""

import argparse
import os
import random
import sqlite3
import sys
import time

SCHEMA = """
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT UNIQUE NOT NULL,
  name TEXT,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  is_admin BOOLEAN NOT NULL DEFAULT 0,
  balance REAL NOT NULL DEFAULT 0
);
CREATE TABLE posts (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  title TEXT NOT NULL,
  slug TEXT NOT NULL,
  body TEXT NOT NULL,
  published_at INTEGER,
  score REAL
);
CREATE TABLE comments (
  id INTEGER PRIMARY KEY,
  post_id INTEGER NOT NULL REFERENCES posts(id),
  user_id INTEGER REFERENCES users(id),
  body TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE attachments (
  id INTEGER PRIMARY KEY,
  post_id INTEGER NOT NULL REFERENCES posts(id),
  filename TEXT NOT NULL,
  data BLOB NOT NULL
);
CREATE TABLE tags (
  name TEXT PRIMARY KEY,
  hits INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE post_tags (
  post_id INTEGER NOT NULL REFERENCES posts(id),
  tag TEXT NOT NULL REFERENCES tags(name),
  PRIMARY KEY (post_id, tag)
) WITHOUT ROWID;
CREATE TABLE events (
  kind TEXT NOT NULL,
  payload JSON,
  at INTEGER NOT NULL
);
"""

INDEXES = """
CREATE UNIQUE INDEX posts_slug_key ON posts(slug);
CREATE INDEX posts_user_id_idx ON posts(user_id);
CREATE INDEX posts_published_idx ON posts(published_at) WHERE published_at IS NOT NULL;
CREATE INDEX comments_post_id_idx ON comments(post_id);
CREATE INDEX comments_user_id_idx ON comments(user_id);
CREATE INDEX attachments_post_id_idx ON attachments(post_id);
CREATE INDEX post_tags_tag_idx ON post_tags(tag);
CREATE INDEX events_kind_at_idx ON events(kind, at);
"""

# Rows per table at scale 1.
BASE = {
    "users": 50_000,
    "posts": 55_000,
    "comments": 480_000,
    "attachments": 10_000,
    "tags": 2_000,
    "events": 720_000,
}
BATCH = 50_000

WORDS = (
    "the of and to in is was for on that with as by at from this be are or an it not have "
    "database migration postgres sqlite index table column row query schema backup replica "
    "latency throughput commit rollback snapshot vacuum checkpoint cache buffer page tuple "
    "café naïve façade résumé Größe Straße über jalapeño piñata smörgåsbord crème brûlée "
    "日本語 テスト 中文 数据库 한국어 Ελληνικά Привет мир עברית العربية हिन्दी ✓ → € £ ¥ "
    "🚀 🎉 👍 😀 "
).split()
ASCII_WORDS = [w for w in WORDS if w.isascii()]
FIRST = "Ada Alan Grace Linus Margaret Edsger Barbara Donald Ken Dennis Bjarne Guido Zoë José Åsa Jürgen Siobhán Nguyễn Łukasz 翔太".split()
LAST = "Lovelace Turing Hopper Torvalds Hamilton Dijkstra Liskov Knuth Thompson Ritchie Stroustrup Rossum Müller García Øberg O'Brien Dvořák".split()
KINDS = ["login", "logout", "view", "click", "purchase", "signup", "error", "search"]
EXTS = ["png", "jpg", "pdf", "zip", "txt"]


def corpus(rng, nchars):
    """A long text made of random WORDS; bodies are slices of it (fast, varied, non-ASCII)."""
    out, n = [], 0
    while n < nchars:
        # ASCII words 4x as likely as the others: about 1.1 bytes per character.
        w = rng.choice(WORDS if rng.random() < 0.25 else ASCII_WORDS)
        out.append(w)
        n += len(w) + 1
        if rng.random() < 0.08:
            out.append(".\n")
    return " ".join(out)


def iso(ts, sep=" ", frac=None):
    t = time.gmtime(ts)
    s = f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}{sep}{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
    return s if frac is None else f"{s}.{frac:06d}"


def balance(rng):
    """Mostly values whose shortest round-trip form has 17 significant digits; some whole cents."""
    if rng.random() < 0.25:
        return rng.randrange(-100_000, 10_000_000) / 100
    while True:
        v = rng.uniform(-1_000.0, 100_000.0)
        digits = repr(v).lstrip("-").replace(".", "").lstrip("0").split("e")[0]
        if len(digits) == 17:
            return v


def scaled(name, scale):
    return max(1, int(round(BASE[name] * scale)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=20240301)
    args = ap.parse_args()
    if args.scale <= 0:
        ap.error("--scale must be positive")

    t_start = time.monotonic()
    rng = random.Random(args.seed)
    tmp = args.path + ".tmp"
    for p in (tmp, tmp + "-journal"):
        if os.path.exists(p):
            os.remove(p)
    db = sqlite3.connect(tmp, isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-262144")  # 256 MB page cache while generating
    db.executescript(SCHEMA)

    n_users = scaled("users", args.scale)
    n_posts = scaled("posts", args.scale)
    n_comments = scaled("comments", args.scale)
    n_att = scaled("attachments", args.scale)
    n_tags = max(50, scaled("tags", args.scale))
    n_events = scaled("events", args.scale)

    text = corpus(rng, 2_000_000)
    tlen = len(text)

    def snippet(lo, hi):
        n = rng.randint(lo, hi)
        off = rng.randrange(0, tlen - n)
        return text[off:off + n]

    t0 = 1_577_836_800  # 2020-01-01
    span = 4 * 365 * 86400

    def batched(gen, sql):
        db.execute("BEGIN")
        buf = []
        for row in gen:
            buf.append(row)
            if len(buf) >= BATCH:
                db.executemany(sql, buf)
                buf.clear()
        if buf:
            db.executemany(sql, buf)
        db.execute("COMMIT")

    def users():
        for i in range(1, n_users + 1):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            name = None if rng.random() < 0.05 else f"{first} {last}"
            email = f"{first.lower()}.{last.lower().replace(chr(39), '')}.{i}@example.com"
            yield (email, name, iso(t0 + rng.randrange(span)), 1 if rng.random() < 0.02 else 0,
                   balance(rng))

    batched(users(), "INSERT INTO users(email, name, created_at, is_admin, balance) VALUES (?,?,?,?,?)")

    def posts():
        for i in range(1, n_posts + 1):
            title = snippet(20, 90).strip().replace("\n", " ")
            slug = "-".join(title.lower().split()[:6]) + f"-{i}"
            published = None if rng.random() < 0.1 else (t0 + rng.randrange(span)) * 1000 + rng.randrange(1000)
            score = None if rng.random() < 0.2 else rng.gauss(50.0, 20.0)
            yield (i, rng.randint(1, n_users), title, slug, snippet(500, 3000), published, score)

    batched(posts(), "INSERT INTO posts VALUES (?,?,?,?,?,?,?)")

    def comments():
        for i in range(1, n_comments + 1):
            user = None if rng.random() < 0.03 else rng.randint(1, n_users)
            yield (i, rng.randint(1, n_posts), user, snippet(20, 200),
                   iso(t0 + rng.randrange(span), "T", rng.randrange(1_000_000)))

    batched(comments(), "INSERT INTO comments VALUES (?,?,?,?,?)")

    def attachments():
        for i in range(1, n_att + 1):
            data = rng.randbytes(rng.randint(1024, 8192))
            yield (i, rng.randint(1, n_posts), f"file-{i}.{rng.choice(EXTS)}", data)

    batched(attachments(), "INSERT INTO attachments VALUES (?,?,?,?)")

    tag_names = sorted({f"{rng.choice(WORDS).lower()}-{k}" for k in range(n_tags)})
    batched(((t, rng.randrange(0, 100_000)) for t in tag_names), "INSERT INTO tags VALUES (?,?)")

    def post_tags():
        for p in range(1, n_posts + 1):
            for t in rng.sample(tag_names, rng.randint(0, 6)):
                yield (p, t)

    batched(post_tags(), "INSERT INTO post_tags VALUES (?,?)")

    def events():
        for _ in range(n_events):
            kind = rng.choice(KINDS)
            at = t0 + rng.randrange(span)
            user = rng.randint(1, n_users)
            if kind == "purchase":
                payload = f'{{"user": {user}, "amount": {rng.randrange(100, 100000) / 100}, "currency": "EUR", "items": [{rng.randint(1, n_posts)}, {rng.randint(1, n_posts)}]}}'
            elif kind == "search":
                payload = f'{{"user": {user}, "q": "{rng.choice(WORDS)} {rng.choice(WORDS)}", "hits": {rng.randrange(500)}}}'
            elif kind == "error":
                payload = f'{{"user": null, "code": {rng.choice([400, 404, 500, 503])}, "msg": "failed: \\"{rng.choice(WORDS)}\\""}}'
            else:
                payload = None if rng.random() < 0.05 else f'{{"user": {user}, "page": "/posts/{rng.randint(1, n_posts)}", "ms": {rng.randrange(5, 3000)}}}'
            yield (kind, payload, at)

    batched(events(), "INSERT INTO events VALUES (?,?,?)")

    t_data = time.monotonic()
    db.executescript(INDEXES)
    db.execute("ANALYZE")
    db.close()
    os.replace(tmp, args.path)
    t_end = time.monotonic()

    db = sqlite3.connect(f"file:{args.path}?mode=ro", uri=True)
    tables = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid")]
    total = 0
    size = os.path.getsize(args.path)
    print(f"{args.path}: {size / 1048576:.1f} MB ({size} bytes), scale {args.scale}, seed {args.seed}; "
          f"data {t_data - t_start:.1f}s, indexes+analyze {t_end - t_data:.1f}s")
    for t in tables:
        n = db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
        total += n
        print(f"  {t:<12} {n:>10}")
    print(f"  {'total':<12} {total:>10}")
    db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
