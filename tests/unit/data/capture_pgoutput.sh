#!/usr/bin/env bash
# tests/unit/data/capture_pgoutput.sh — captures real pgoutput messages (protocol version 1) for the
# decoder's unit tests and fuzz seeds, and writes them to tests/unit/data/pgoutput_captured.hpp.
#
#   tests/unit/data/capture_pgoutput.sh URI    URI: a superuser on a PostgreSQL 15 server with
#                                              wal_level=logical (tools/test-clusters.sh gives one)
#
# Creates the database pgoutput_capture on that server (dropping one left by an earlier run), a
# publication FOR ALL TABLES and a pgoutput slot, then runs one step of statements at a time. After
# each step it reads what the step produced with
#   SELECT lsn, xid, data FROM pg_logical_slot_peek_binary_changes('capture', NULL, NULL,
#     'proto_version', '1', 'publication_names', 'pub', 'messages', 'true')
# and advances the slot past it (once that WAL is flushed), so each step's messages come from a fresh decoding context (the
# Relation, and Type, messages are sent again the first time a step touches a table). Every step
# runs each statement in its own transaction. The slot, the database and the
# replication origin "upstream" (cluster-wide) are dropped at the end.
# The tests assert the captured values: after a new capture, update their expectations.
set -euo pipefail

(($# == 1)) || { sed -n '2,/^set /p' "$0" | sed -e '/^set /d' -e 's/^# \{0,1\}//' >&2; exit 2; }
server=$1
out="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/pgoutput_captured.hpp"
db=pgoutput_capture
# The same server, database pgoutput_capture (a URI ending in /dbname, or without a path).
uri=$(sed -E 's#^(postgres(ql)?://[^/?]*)(/[^?]*)?#\1/'"$db"'#' <<<"$server")

psql "$server" -v ON_ERROR_STOP=1 -q >/dev/null <<SQL
SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '$db';
SELECT pg_replication_origin_drop(roname) FROM pg_replication_origin WHERE roname = 'upstream';
DROP DATABASE IF EXISTS $db;
CREATE DATABASE $db;
SQL

sql() { psql "$uri" -v ON_ERROR_STOP=1 -q -X "$@"; }

sql >/dev/null <<'SQL'
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, note text, qty int);
CREATE TABLE full_rows (id int, val text, extra text);
ALTER TABLE full_rows REPLICA IDENTITY FULL;
CREATE TABLE docs (id int PRIMARY KEY, body text, tag text);
ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL;  -- stored out of line, uncompressed
CREATE TABLE feelings (id int PRIMARY KEY, m mood, why text);
CREATE TABLE parent (id serial PRIMARY KEY);
CREATE TABLE child (id serial PRIMARY KEY, parent_id int REFERENCES parent (id));
INSERT INTO parent DEFAULT VALUES;
INSERT INTO child (parent_id) VALUES (1);
SELECT pg_replication_origin_create('upstream');
CREATE PUBLICATION pub FOR ALL TABLES;
SELECT pg_create_logical_replication_slot('capture', 'pgoutput');
SQL

rows=$(mktemp)
trap 'rm -f "$rows"' EXIT

# step NAME [peek options...] < statements: run the statements (psql, autocommit), then record the
# messages they produced as "NAME|index|lsn|xid|hex" lines.
step() {
  local name=$1
  shift
  local extra=""
  for option in "$@"; do extra+=", '$option'"; done
  sql >/dev/null
  # Logical decoding reads only flushed WAL (the test clusters commit asynchronously): wait for it.
  local end
  end=$(sql -At -c "SELECT pg_current_wal_insert_lsn()")
  until [[ $(sql -At -c "SELECT pg_current_wal_flush_lsn() >= '$end'") == t ]]; do sleep 0.1; done
  sql -At -F'|' >>"$rows" <<SQL
SELECT '$name', n - 1, lsn, coalesce(xid::text, '0'), encode(data, 'hex')
FROM pg_logical_slot_peek_binary_changes('capture', NULL, NULL, 'proto_version', '1',
  'publication_names', 'pub', 'messages', 'true'$extra) WITH ORDINALITY AS c(lsn, xid, data, n)
ORDER BY n;
SQL
  sql -At -c "SELECT FROM pg_replication_slot_advance('capture', '$end')" >/dev/null
}

step insert <<'SQL'
INSERT INTO items VALUES (1, 'apple', NULL, 3);
SQL
step update_same_key <<'SQL'
UPDATE items SET qty = 4, note = 'ripe' WHERE id = 1;
SQL
step update_new_key <<'SQL'
UPDATE items SET id = 2 WHERE id = 1;
SQL
step full_identity <<'SQL'
INSERT INTO full_rows VALUES (1, 'a', NULL);
UPDATE full_rows SET val = 'b' WHERE id = 1;
DELETE FROM full_rows WHERE id = 1;
SQL
step toast_insert <<'SQL'
INSERT INTO docs VALUES (1, repeat('x', 102400), 'first');
SQL
step toast_update <<'SQL'
UPDATE docs SET tag = 'second' WHERE id = 1;
SQL
step delete <<'SQL'
DELETE FROM items WHERE id = 2;
SQL
step enum <<'SQL'
INSERT INTO feelings VALUES (1, 'happy', NULL);
SQL
step add_column <<'SQL'
INSERT INTO items VALUES (3, 'pear', NULL, 1);
ALTER TABLE items ADD COLUMN extra text DEFAULT 'd';
INSERT INTO items (id, name) VALUES (4, 'plum');
SQL
step truncate_plain <<'SQL'
TRUNCATE items;
SQL
step truncate_cascade <<'SQL'
TRUNCATE parent RESTART IDENTITY CASCADE;
SQL
step message_transactional <<'SQL'
BEGIN;
SELECT pg_logical_emit_message(true, 'pgshift', 'cutover 7');
COMMIT;
SQL
step message_plain <<'SQL'
SELECT pg_logical_emit_message(false, 'pgshift.progress', '\x00ff41'::bytea);
SQL
step origin <<'SQL'
SELECT pg_replication_origin_session_setup('upstream');
BEGIN;
SELECT pg_replication_origin_xact_setup('1/2345ABCD', '2024-01-02 03:04:05+00');
INSERT INTO items VALUES (10, 'from upstream', NULL, 1);
COMMIT;
SQL
step binary_insert binary true <<'SQL'
INSERT INTO feelings VALUES (2, 'ok', 'fine');
SQL

sql -q -c "SELECT pg_drop_replication_slot('capture')" >/dev/null
psql "$server" -q -c "DROP DATABASE $db" -c "SELECT pg_replication_origin_drop('upstream')" >/dev/null
version=$(psql "$server" -At -c "SELECT split_part(current_setting('server_version'), ' ', 1)")

# A run of 64 or more equal bytes is written "(XX*N)" so the TOASTed value stays short.
perl -e '
  my ($version) = @ARGV;
  print "// Generated by tests/unit/data/capture_pgoutput.sh from PostgreSQL $version: real pgoutput\n";
  print "// messages (protocol version 1), grouped by the step of statements that produced them (see\n";
  print "// the script for the SQL). Do not edit by hand.\n";
  print "#pragma once\n\n#include <cstdint>\n\nnamespace pgshift::testdata {\n\n";
  print "struct CapturedPgoutput {\n";
  print "  const char* step;   // the script step that produced it\n";
  print "  int index;          // its place among the step\x27s messages\n";
  print "  const char* lsn;    // the peek\x27s lsn column\n";
  print "  std::uint32_t xid;  // the peek\x27s xid column\n";
  print "  const char* hex;    // the message; \"(XX*N)\" is the byte XX N times\n";
  print "};\n\n";
  print "inline constexpr CapturedPgoutput kPgoutputCaptured[] = {\n";
  while (my $line = <STDIN>) {
    chomp $line;
    my ($step, $index, $lsn, $xid, $hex) = split /\|/, $line;
    my @bytes = unpack("(A2)*", $hex);
    my $text = "";
    for (my $i = 0; $i < @bytes;) {
      my $j = $i;
      $j++ while $j < @bytes && $bytes[$j] eq $bytes[$i];
      if ($j - $i >= 64) { $text .= "($bytes[$i]*" . ($j - $i) . ")"; }
      else { $text .= join("", @bytes[$i .. $j - 1]); }
      $i = $j;
    }
    print "    {\"$step\", $index, \"$lsn\", $xid,\n";
    while (length $text > 90) { print "     \"" . substr($text, 0, 90, "") . "\"\n"; }
    print "     \"$text\"},\n";
  }
  print "};\n\n}  // namespace pgshift::testdata\n";
' "$version" <"$rows" >"$out"
# The layout the repository keeps (.clang-format), where clang-format is installed.
! command -v clang-format >/dev/null || clang-format -i "$out"
echo "wrote $out ($(grep -c '^    {' "$out") messages)"
