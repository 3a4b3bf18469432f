#include "tools/pgshift/help_text.hpp"

#include <string>

namespace pgshift::cli {

std::string usage() {
  return R"(pgshift — move a PostgreSQL database into another PostgreSQL, verified chunk by chunk.

Usage: pgshift COMMAND [OPTIONS]

Commands:
  plan      assessment before a migration: inventory, chunk plan, estimated time from
            a measured sample, every blocker and warning with its fix, zero-downtime
            readiness; writes nothing (exit 2 when a blocker is found)
  migrate   one-shot migration: schema, data in parallel key-range chunks, indexes,
            constraints, sequences, large objects, ANALYZE; every chunk verified;
            rerunning the same command resumes an interrupted run
  verify    compare two live databases without writing to either; names the exact
            keys that are missing, extra or changed (and which columns)
  sync      zero-downtime path, part 1: copy at a replication slot's snapshot, then
            apply the source's changes to the target as they happen; runs until
            interrupted, until a cutover completes, or with --endpos until a position
            is applied (exit 0)
  cutover   zero-downtime path, part 2: wait for the stream, freeze the source's
            writes, drain, set sequences, re-verify the changed keys, switch (hook);
            anything failing before the switch undoes the freeze; --reverse keeps a
            way back
  rollback  after a cutover --reverse: the same switch back to the old source
  status    progress of the migration (and change stream) recorded in the target
  cleanup   drop pgshift's run state (schema pgshift) from the target, and with
            --source the replication slot and publication of a sync

Endpoints: a libpq URI (postgres://user:pass@host:5432/db?sslmode=require) or a
keyword/value string (host=... dbname=...). --source/--target may come from the
environment as PGSHIFT_SOURCE / PGSHIFT_TARGET. Passwords are never printed.
The source may also be a SQLite file (plan, migrate, verify): sqlite:///abs/path/app.db
or sqlite:relative/path.db.

Exit status: 0 done and verified equal; 1 finished with verification differences;
2 refused (bad usage or input, or a blocker found before any write); 3 failed while
running (state kept: rerun resumes); 130 interrupted (state kept: rerun resumes).

Run `pgshift COMMAND --help` for a command's options.
)";
}

std::string command_help(const std::string& command) {
  if (command == "migrate") {
    return R"(Usage: pgshift migrate --source URL --target URL [OPTIONS]

Copies schema and data from the source into an empty target database. Every table is read
at one exported snapshot; tables are cut into key ranges (ctid page ranges for tables
without a key) and copied by parallel workers with binary COPY, each chunk in one target
transaction that also records it as done in the target's `pgshift` schema. Each chunk is
then read back from the target and compared (row count + XXH3-128 digest). As soon as a
table's data is in, its indexes and primary/unique constraints are built and it is
analyzed; a foreign key is created as soon as both its tables are done. Triggers and the
rest of the schema come after every table, then sequences and large objects (each object
read back and compared by its XXH3-128 digest), then every materialized view populated in the
source is refreshed, each after the ones it reads (those left WITH NO DATA stay so).
Interrupted? Run the same command again: finished chunks are kept, the rest is redone.
Finished? Running it again copies nothing: it re-checks every chunk's recorded digest against
the target as it is now, and exits 1 naming the tables and chunks changed since.

Options:
  --source URL             source database (or PGSHIFT_SOURCE)
  --target URL             target database, empty (or PGSHIFT_TARGET)
  --jobs N                 parallel copy workers (default: number of cores)
  --verify MODE            full (default): rows and digest; count: rows only; off
  --chunk-size MB          target chunk size in MB (default 64)
  --include-table PAT      only tables matching PAT ("schema.table" or "table", * wildcard);
                           repeatable
  --exclude-table PAT      leave out tables matching PAT; repeatable
  --exclude-schema PAT     leave out schemas matching PAT; repeatable
  --keep-owners            keep owners and grants (default: leave them out, as hosted
                           targets have no superuser)
  --retries N              retries per chunk for transient failures (default 5)
  --stall-timeout S        a connection that has waited S seconds for the server with nothing
                           received is checked by opening another one: if that also gets no
                           answer within S seconds, the server or the network has stalled and
                           the connection counts as lost (retried). Default 30; 0: never
  --maintenance-work-mem M memory for index builds, e.g. 1GB (default: the target's setting)
  --report FILE            write the JSON report to FILE
  --log-format text|json   log line format on stderr (default text)
  --quiet                  no progress and no summary (errors still go to stderr)
  --restart                refuse to resume; start over: drops the tables the recorded run
                           created. A finished run whose tables were written since it
                           finished is refused (exit 2, naming them) unless --force
  --force                  with --restart: drop such tables anyway
  --dry-run                run the checks of `pgshift plan` and print its report; write
                           nothing (exit 2 when a blocker is found)
  --include-internal-schemas  also copy a Supabase source's own schemas (auth, storage,
                           realtime, extensions, ...), which are left out by default

SQLite sources (--source sqlite:///abs/path/app.db): types by declared type and affinity,
every value checked against its column's type.
  --cast T.C=TYPE          the PostgreSQL type of column C of table T; repeatable, e.g.
                           --cast 'orders.total=numeric(12,2)'
  --on-type-error MODE     a value its column's type refuses: fail (default: stop, naming
                           table, key, column and value); null (write NULL instead; refused
                           for NOT NULL columns); text (before any DDL every value is read
                           once, and each column holding such values becomes text, all its
                           values copied in their text form; the log and the report count
                           per column how many values did not fit)
  --timestamptz            DATETIME/TIMESTAMP columns become timestamptz (default timestamp)
)";
  }
  if (command == "plan") {
    return R"(Usage: pgshift plan --source URL --target URL [OPTIONS]

Assesses a migration before any write; `pgshift migrate --dry-run` runs the same. Both servers
are read in read-only transactions; a short speed sample is written to the target inside a
transaction that is rolled back, so nothing is left behind. Prints:
  Source / Target     versions, users, the hosting provider (Supabase, Railway, RDS, Azure,
                      Render or self-hosted) from host names and settings
  Inventory           schemas, tables with rows (estimated; --exact counts), sizes with TOAST
                      and indexes, the largest tables, indexes, constraints, sequences,
                      extensions, large objects, partitions, generated columns, triggers,
                      views, materialized views, functions, policies, types
  Chunk plan & estimate   chunks per table and the estimated migrate time with its parts
                      (setup, copy, verification read-back, index builds, finishing), from
                      read/write/read-back speeds measured on a few MB of the largest tables
  Blockers            what makes migrate refuse (exit 2): a target older than the source, a
                      source newer than the local pg_dump, extensions the target lacks,
                      tables or sequences the source user cannot read, no snapshot export,
                      no right to create schemas/tables on the target, a target that is not
                      empty, types without binary I/O
  Warnings            transaction poolers (PgBouncer, Supavisor: use the direct connection),
                      untrusted extensions, policies for roles the target lacks, objects that
                      use left-out schemas (foreign keys to auth.users, defaults calling
                      extensions.*), grants to Supabase roles
  Zero-downtime readiness   wal_level (with the provider's way to change it), free
                      replication slots and WAL senders, the REPLICATION privilege, tables
                      without a usable replica identity (with the fix for each)
  Left out            a Supabase source's internal schemas and roles
Every blocker and warning comes with a one-line fix. Exit status 2 when there is a blocker
(or a server cannot be reached), else 0.

A SQLite source (sqlite:///abs/path/app.db) is read as migrate reads it, every value of every
table through the encoder, and nothing is written to the file or the target. Prints:
  Source / Target     the file (size, page size, journal mode) and the target server
  Inventory           tables, rows (counted), sizes; WITHOUT ROWID, AUTOINCREMENT, rowid-keyed
                      and keyless tables; indexes (partial, expression, unique); foreign keys;
                      what is not migrated (views, triggers, virtual tables)
  Tables              per table: rows, sizes, key and chunking, indexes, foreign keys
  Type mapping        column by column: declared type [affinity] -> PostgreSQL type, with
                      --cast, --on-type-error=text and notes
  Dates and times     each date-like column's epoch rule (seconds, milliseconds or Julian days),
                      decided from a sample of its values
  Values              per column, the values its type refuses
  Chunk plan & estimate   chunks per table; estimated time from the measured read of the file
                      (write, read-back and index rates assumed)
  Blockers            values that do not fit under --on-type-error=fail (table, column, count,
                      first key and value), NULLs for NOT NULL columns under =null, mixed epoch
                      units, a target that is unreachable, read-only or not empty
  Warnings            columns that become text (=text) or values that become NULL (=null),
                      ambiguous types (unknown declared type -> numeric, none -> bytea), what
                      does not translate (views, triggers, CHECKs, indexes, collations)

Options:
  --source URL / --target URL   the two databases (or PGSHIFT_SOURCE / PGSHIFT_TARGET)
  --jobs N                 the parallelism to plan for (default: number of cores)
  --stall-timeout S        a connection that has waited S seconds with nothing received
                           counts as lost when a new one gets no answer in S seconds either
                           (default 30; 0: never)
  --chunk-size MB          chunk size to plan with (default 64)
  --verify MODE            full (default), count or off: what the estimate includes
  --exact                  count the rows of every table (count(*); slower)
  --include-table / --exclude-table / --exclude-schema PAT   as for migrate
  --include-internal-schemas  assess a Supabase source's own schemas too
  --keep-owners            assess as for migrate --keep-owners (grants to missing roles)
  --report FILE            write the assessment as JSON
  --quiet                  no report on stdout (blockers still go to stderr)
  --cast T.C=TYPE / --on-type-error fail|null|text / --timestamptz   SQLite sources: as
                           for migrate; the plan shows what they change
)";
  }
  if (command == "verify") {
    return R"(Usage: pgshift verify --source URL --target URL [OPTIONS]

Compares two live databases and writes to neither: both are read in read-only transactions,
each at one snapshot. First the schema (tables and columns on one side only, or of another
type); then the rows, in parallel, chunk by chunk over the same key ranges on both sides.
Between two PostgreSQL 14+ servers each server digests its own chunks (row count + sum of a
64-bit hash of each row, see --row-hash) and only the sums cross the network. A chunk whose
sums differ (every chunk with --row-hash client) is read into pgshift and compared by row
count + XXH3-128 digest of a canonical row encoding, as migrate does. A differing chunk is
split at real key values and re-hashed until the ranges are small, then compared key by key:
the report names the keys missing in the target, extra in the target, and changed (with the
columns that differ). Tables without a key are compared as multisets of rows. Differing keys
are read again a few times before they are reported, so rows that were changing while the
sides were read are not mistaken for differences; keys still changing are marked. From a
PostgreSQL source, materialized views are compared whole (populated or not; row count + digest
of all rows), and large objects one by one (the set of OIDs; each object's length and XXH3-128
digest): the report names the differing view or object OID.
Exit status 0 when equal, 1 when there are differences.

Options:
  --source URL / --target URL   the two databases (or PGSHIFT_SOURCE / PGSHIFT_TARGET)
  --jobs N                      parallel readers per side (default: number of cores)
  --chunk-size MB               comparison chunk size (default 64)
  --row-hash server|client      server (default): each server hashes its own rows with the
                                columns' type hash functions (numeric with its scale, arrays
                                with their bounds, text in COLLATE "C", and every type whose
                                equality is looser than identity through its text form), so
                                no row crosses the network unless a chunk differs. client:
                                every row is read and hashed by pgshift. A SQLite source, or
                                a server older than 14, always uses client
  --stall-timeout S             a connection that has waited S seconds with nothing received
                                counts as lost when a new one gets no answer in S seconds
                                either (default 30; 0: never)
  --include-table / --exclude-table / --exclude-schema PAT   as for migrate
  --report FILE                 JSON report (keys per mismatch)
  --log-format text|json        log line format on stderr (default text)
  --quiet                       no progress and no summary
  --cast / --on-type-error / --timestamptz   SQLite sources: the same as the migrate that
                                was run, so the file's values are converted the same way
)";
  }
  if (command == "sync") {
    return R"(Usage: pgshift sync --source URL --target URL [--endpos LSN|current] [OPTIONS]

The zero-downtime path, part 1. The application keeps writing to the source while pgshift:
  1. checks the source is ready (wal_level = logical, a free replication slot and WAL sender,
     the REPLICATION privilege or the provider's role, a replica identity on every table:
     a table without a primary key is refused unless --replica-identity-full);
  2. creates a publication for the selected tables and a logical replication slot (pgoutput)
     named pgshift_<hash of the target>, and copies every table at the slot's snapshot,
     exactly as `pgshift migrate` does (chunks, per-chunk verification, resume);
  3. meanwhile receives every change from the slot and writes it, zstd-compressed, into the
     target's pgshift schema (the spill) before acknowledging it, so the source keeps no WAL
     for the length of the copy and a rerun from any machine loses nothing;
  4. applies the spill, then the live stream, to the target: each source transaction once,
     batched, with its position committed in the same target transaction; triggers and
     foreign-key checks do not fire on applied changes (session_replication_role = replica).
Interrupted (Ctrl-C, a lost connection after retries)? Run the same command again: the copy
resumes, and the stream continues from the applied position with nothing lost or doubled.
A table whose columns change on the source stops the stream (exit 3) naming it: apply the
same DDL to the target and rerun. `pgshift status` shows the phase (copying, catching-up,
streaming), the positions and the lag; `pgshift cleanup --source S --target T` removes the
slot, the publication and the state.

Options:
  --source URL             source database (or PGSHIFT_SOURCE); must be PostgreSQL
  --target URL             target database, empty at the first run (or PGSHIFT_TARGET)
  --endpos LSN|current     stop (exit 0) once every change up to LSN is applied and durable
                           in the target; current: the source's WAL position when sync
                           starts. Default: run until interrupted
  --replica-identity-full  set REPLICA IDENTITY FULL on selected tables that have no primary
                           key or replica identity (said in the log and the report)
  --metrics-listen H:P     serve Prometheus metrics at http://H:P/metrics
  --jobs N, --verify MODE, --chunk-size MB, --include-table PAT, --exclude-table PAT,
  --exclude-schema PAT, --keep-owners, --retries N, --stall-timeout S,
  --maintenance-work-mem M, --include-internal-schemas
                           as for migrate (the copy)
  --restart                drop the recorded run, its slot and publication, and begin again
  --report FILE            write the JSON report to FILE (with a "stream" section)
  --log-format text|json   log line format on stderr (default text)
  --quiet                  no progress lines
)";
  }
  if (command == "cutover") {
    return R"(Usage: pgshift cutover --source URL --target URL [OPTIONS]

The zero-downtime path, part 2: the switch, with the source's writes frozen for as short a time
as possible. Run it beside `pgshift sync` (if no sync process follows the stream, cutover starts
one). The steps, each timed in the report:
  1. wait until the stream is within --max-lag of the source;
  2. re-verify every key the stream changed so far, source against target, while the
     application still writes (so the freeze only checks what changed since);
  3. freeze (the write-unavailable window starts): --freeze-hook, if given; then with
     --freeze read-only, the roles of the application's sessions (not superusers, not
     pgshift's) get default_transaction_read_only = on in this database (the database too,
     when pgshift owns it), their sessions are ended (busy ones after 1 s), and pgshift waits
     until no session holds a write transaction;
  4. drain: a marker written into the source's WAL (pg_logical_emit_message) is applied on
     the target;
  5. set every sequence on the target to the source's value;
  6. re-verify the keys changed since step 2, and every table's row count: any difference
     calls the switch off (exit 1, naming the keys);
  7. switch: --switch-hook (the window ends when it returns). The sync process stops (exit 0),
     and the replication slot and publication are dropped from the source.
Anything failing before the switch, or Ctrl-C, undoes the freeze exactly (settings restored,
--unfreeze-hook run), exits non-zero and leaves sync running. A cutover killed while the source
is frozen is undone by the next `cutover` or `sync`. After the switch the source stays
read-only for the frozen roles.

Options:
  --source URL          source database (or PGSHIFT_SOURCE)
  --target URL          target database that `pgshift sync` keeps current (or PGSHIFT_TARGET)
  --max-lag D           start the freeze once the lag is at most D (default 1s)
  --freeze MODE         read-only (default) or none (the application is already stopped,
                        or --freeze-hook stops it)
  --freeze-hook CMD     shell command run at the start of the freeze (e.g. PgBouncer PAUSE)
  --unfreeze-hook CMD   shell command that undoes --freeze-hook (e.g. PgBouncer RESUME), run
                        when the cutover is called off
  --switch-hook CMD     shell command that points the application at the target (DNS, the
                        pooler's config + RELOAD + RESUME); gets the target's connection string
                        in the environment as PGSHIFT_TARGET, never on its command line
  --timeout D           longest wait for the lag, for writers to finish, for the drain
                        (default 60s)
  --reverse             before the switch, create a publication and a replication slot on the
                        target and record a stream back to the source in the source (needs
                        wal_level = logical on the target). After the switch a `pgshift sync`
                        with --source and --target swapped keeps the old source current, in
                        the background (its log: pgshift-reverse-sync.log in the current
                        directory); `pgshift rollback` switches back
  --include-table PAT, --exclude-table PAT, --exclude-schema PAT
                        as given to sync (for the sync process cutover starts, if any)
  --report FILE         JSON report: write_unavailable_seconds, the seconds of each step,
                        changes drained, keys re-verified, sequences set
  --log-format text|json, --quiet
Durations: 1s, 250ms, 2m, or plain seconds.
Exit status: 0 switched; 1 the target differs (switch called off, freeze undone); 2 refused
(no stream, still copying, another cutover running); 3 failed (freeze undone); 130 interrupted
(freeze undone).
)";
  }
  if (command == "rollback") {
    return R"(Usage: pgshift rollback --source URL --target URL [OPTIONS]

After `pgshift cutover --reverse --source S --target T`: switches the application back from T
to S, with the same steps and guarantees as cutover, in the other direction. Give the same
--source S and --target T as the cutover. The reverse stream (`pgshift sync --source T
--target S`, started by rollback if none runs) has kept S current; rollback waits for it,
freezes T's application roles, drains, sets S's sequences to T's values, re-verifies the keys
changed on T, lifts the cutover's freeze from S and runs --switch-hook (which should point the
application at S; PGSHIFT_TARGET holds S's connection string). The reverse slot and
publication are dropped from T afterwards.

Options: --max-lag, --freeze, --freeze-hook, --unfreeze-hook, --switch-hook, --timeout,
--report, --quiet, --log-format: as for cutover (see `pgshift cutover --help`).
A table made on T since the switch is in no reverse publication, so S would not have its rows:
rollback names it and refuses (exit 2); --exclude-table PAT / --exclude-schema PAT leave such
tables out knowingly (their rows stay only on T).
)";
  }
  if (command == "status") {
    return R"(Usage: pgshift status --target URL [--source URL] [--json] [--log-format text|json]

Shows the migration recorded in the target: phase, chunks done/total, verified chunks and
rows per table, errors, elapsed time. Works while a run is in progress and after it ended.
When no pgshift process is running an unfinished migration, the phase is `interrupted`
(with the phase it stopped in), there is no ETA, and the command that resumes it is shown.
Elapsed time counts only the periods in which some process ran the migration.
With --source (or PGSHIFT_SOURCE), a sync's status also shows how much WAL its replication slot
keeps on the source, with a warning above 2 GB (a sync that is not running pins the source's WAL).
A cutover's state (freezing, switching, switched, undone) is shown when one ran.
)";
  }
  if (command == "cleanup") {
    return R"(Usage: pgshift cleanup --target URL [--source URL] [--quiet] [--log-format text|json]

Drops pgshift's run state (the schema `pgshift`) from the target once you are done with it.
With --source, also drops the replication slot and publication a sync recorded there (a
forgotten slot keeps WAL on the source until its disk fills). The migrated tables are left
alone.
)";
  }
  return usage();
}

}  // namespace pgshift::cli
