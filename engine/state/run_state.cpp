#include "engine/state/run_state.hpp"

#include <xxhash.h>

#include <cstdio>

#include "engine/model/pg_quote.hpp"
#include "engine/state/readback_parts.hpp"
#include "engine/state/run_presence.hpp"

namespace pgshift::state {
namespace {

using pg::quote_literal;

std::string text_array(const std::optional<KeyValue>& value) {
  if (!value) return "NULL";
  std::string out = "ARRAY[";
  for (std::size_t i = 0; i < value->size(); ++i) {
    if (i) out += ',';
    out += quote_literal((*value)[i]);
  }
  return out + "]::text[]";
}

std::string optional_int(const std::optional<std::int64_t>& value) {
  return value ? std::to_string(*value) : "NULL";
}

std::string chunk_key(std::size_t table, int number) {
  return " WHERE table_id = " + std::to_string(table) + " AND chunk_no = " + std::to_string(number);
}

constexpr const char* kSchemaDdl = R"SQL(
CREATE SCHEMA pgshift;
COMMENT ON SCHEMA pgshift IS 'pgshift run state; drop with: pgshift cleanup';
CREATE TABLE pgshift.run (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  source text NOT NULL,
  fingerprint text NOT NULL,
  phase text NOT NULL,
  snapshot text,
  options jsonb,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz);
CREATE TABLE pgshift.tables (
  table_id int PRIMARY KEY,
  schema_name text NOT NULL,
  table_name text NOT NULL,
  keyless boolean NOT NULL,
  key_name text,
  fingerprint text NOT NULL,
  est_bytes bigint,
  phase text NOT NULL DEFAULT 'copying',
  UNIQUE (schema_name, table_name));
CREATE TABLE pgshift.chunks (
  table_id int NOT NULL REFERENCES pgshift.tables,
  chunk_no int NOT NULL,
  priority int NOT NULL,
  lower_bound text[],
  upper_bound text[],
  first_page bigint,
  end_page bigint,
  est_bytes bigint,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'mismatch')),
  rows bigint,
  bytes bigint,
  digest text,
  verified text,
  target_rows bigint,
  target_digest text,
  seconds double precision,
  copied_by text,
  last_error text,
  finished_at timestamptz,
  PRIMARY KEY (table_id, chunk_no));
CREATE INDEX ON pgshift.chunks (state, priority);
CREATE TABLE pgshift.ddl (
  table_id int NOT NULL REFERENCES pgshift.tables,
  ordinal int NOT NULL,
  kind text NOT NULL,
  name text NOT NULL,
  sql text NOT NULL,
  references_table int,
  done boolean NOT NULL DEFAULT false,
  PRIMARY KEY (table_id, ordinal));
CREATE TABLE pgshift.steps (
  name text PRIMARY KEY,
  sql text,
  done boolean NOT NULL DEFAULT false,
  finished_at timestamptz);
)SQL";

}  // namespace

std::string table_fingerprint(const Table& table) {
  std::string text = table.schema + "." + table.name + "(";
  for (const Column* column : table.copied_columns()) {
    text += column->name + " " + column->type_sql + ",";
  }
  text += ")key:";
  for (auto index : table.key) text += table.columns[index].name + ",";
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(XXH3_64bits(text.data(), text.size())));
  return hex;
}

std::string schema_fingerprint(const std::vector<Table>& tables) {
  std::string text;
  for (const auto& table : tables) text += table_fingerprint(table) + ";";
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(XXH3_64bits(text.data(), text.size())));
  return hex;
}

Task<Result<std::vector<std::string>>> describe_schema_changes(pg::Connection& target,
                                                               const std::vector<Table>& tables) {
  auto stored = co_await target.query(
      "SELECT schema_name || '.' || table_name, fingerprint FROM pgshift.tables");
  if (!stored) co_return fail(stored.error());
  std::map<std::string, std::string> before;
  for (int row = 0; row < stored->rows(); ++row)
    before[stored->text(row, 0)] = stored->text(row, 1);
  std::vector<std::string> changes;
  for (const auto& table : tables) {
    std::string name = table.schema + "." + table.name;
    auto it = before.find(name);
    if (it == before.end()) {
      changes.push_back(name + " (new)");
    } else {
      if (it->second != table_fingerprint(table))
        changes.push_back(name + " (columns or key changed)");
      before.erase(it);
    }
  }
  for (const auto& [name, unused] : before) changes.push_back(name + " (gone)");
  co_return changes;
}

Task<Result<std::optional<StoredRun>>> load_run(pg::Connection& target) {
  auto exists = co_await target.query("SELECT to_regclass('pgshift.run') IS NOT NULL");
  if (!exists) co_return fail(exists.error());
  if (!exists->boolean(0, 0)) co_return std::optional<StoredRun>{};
  auto row =
      co_await target.query("SELECT phase, fingerprint, source, started_at::text FROM pgshift.run");
  if (!row) co_return fail(row.error());
  if (row->rows() == 0) co_return std::optional<StoredRun>{};
  co_return StoredRun{row->text(0, 0), row->text(0, 1), row->text(0, 2), row->text(0, 3)};
}

verify::Json filter_json(const pg::TableFilter& filter) {
  return verify::Json::object({{"include_tables", verify::json_strings(filter.include_tables)},
                               {"exclude_tables", verify::json_strings(filter.exclude_tables)},
                               {"exclude_schemas", verify::json_strings(filter.exclude_schemas)}});
}

Task<Result<std::optional<pg::TableFilter>>> load_run_filter(pg::Connection& target) {
  // A stream without a copy (the reverse stream a cutover starts) records no run.
  auto exists = co_await target.query("SELECT to_regclass('pgshift.run') IS NOT NULL");
  if (!exists) co_return fail(exists.error());
  if (!exists->boolean(0, 0)) co_return std::optional<pg::TableFilter>{};
  auto row = co_await target.query("SELECT options->>'filter' FROM pgshift.run");
  if (!row) co_return fail(row.error());
  if (row->rows() == 0 || row->is_null(0, 0)) co_return std::optional<pg::TableFilter>{};
  auto parsed = verify::Json::parse(row->text(0, 0), nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) {
    co_return fail(ErrorKind::kRuntime,
                   "the run's recorded table selection does not parse: " + row->text(0, 0));
  }
  pg::TableFilter filter;
  auto strings = [&parsed](const char* name, std::vector<std::string>& out) {
    if (!parsed.contains(name) || !parsed[name].is_array()) return;
    for (const auto& item : parsed[name]) {
      if (item.is_string()) out.push_back(item.get<std::string>());
    }
  };
  strings("include_tables", filter.include_tables);
  strings("exclude_tables", filter.exclude_tables);
  strings("exclude_schemas", filter.exclude_schemas);
  co_return filter;
}

Task<Result<bool>> finished_with_nothing_to_redo(pg::Connection& target, const StoredRun& run) {
  if (run.phase != "done") co_return false;
  auto redo = co_await target.query("SELECT count(*) FROM pgshift.chunks WHERE state <> 'done'");
  if (!redo) co_return fail(redo.error());
  co_return redo->integer(0, 0) == 0;
}

std::string create_state_sql(const std::vector<Table>& tables, const std::vector<Chunk>& chunks,
                             const std::vector<pg::TableDdl>& ddl,
                             const std::string& post_data_script, const std::string& fingerprint,
                             const std::string& source_display, const std::string& options_json) {
  std::string sql = kSchemaDdl;
  sql += kReadbackPartsDdl;
  sql += kActivityTableSql;
  sql += "INSERT INTO pgshift.run (source, fingerprint, phase, options) VALUES (" +
         quote_literal(source_display) + ", " + quote_literal(fingerprint) + ", 'copy', " +
         quote_literal(options_json) + "::jsonb);\n";
  std::map<std::uint32_t, std::size_t> id_by_oid;
  for (std::size_t i = 0; i < tables.size(); ++i) {
    const Table& table = tables[i];
    id_by_oid[table.oid] = i;
    sql +=
        "INSERT INTO pgshift.tables (table_id, schema_name, table_name, keyless, key_name, "
        "fingerprint, est_bytes, phase) VALUES (" +
        std::to_string(i) + ", " + quote_literal(table.schema) + ", " + quote_literal(table.name) +
        ", " + (table.keyless() ? "true" : "false") + ", " +
        (table.key_name.empty() ? "NULL" : quote_literal(table.key_name)) + ", " +
        quote_literal(table_fingerprint(table)) + ", " + std::to_string(table.bytes) + ", " +
        (table.partitioned_parent ? "'indexing'" : "'copying'") + ");\n";
  }
  for (std::size_t priority = 0; priority < chunks.size(); ++priority) {
    const Chunk& chunk = chunks[priority];
    sql +=
        "INSERT INTO pgshift.chunks (table_id, chunk_no, priority, lower_bound, upper_bound, "
        "first_page, end_page, est_bytes) VALUES (" +
        std::to_string(chunk.table_index) + ", " + std::to_string(chunk.number) + ", " +
        std::to_string(priority) + ", " + text_array(chunk.lower) + ", " + text_array(chunk.upper) +
        ", " + optional_int(chunk.first_page) + ", " + optional_int(chunk.end_page) + ", " +
        std::to_string(chunk.estimated_bytes) + ");\n";
  }
  std::map<std::size_t, int> ordinals;
  for (const auto& item : ddl) {
    auto it = id_by_oid.find(item.table_oid);
    if (it == id_by_oid.end()) continue;
    auto referenced = id_by_oid.find(item.referenced_table_oid);
    std::string references = item.kind == "foreign_key" && referenced != id_by_oid.end()
                                 ? std::to_string(referenced->second)
                                 : "NULL";
    sql +=
        "INSERT INTO pgshift.ddl (table_id, ordinal, kind, name, sql, references_table) VALUES (" +
        std::to_string(it->second) + ", " + std::to_string(ordinals[it->second]++) + ", " +
        quote_literal(item.kind) + ", " + quote_literal(item.name) + ", " +
        quote_literal(item.sql) + ", " + references + ");\n";
  }
  sql += "INSERT INTO pgshift.steps (name, sql) VALUES ('post_data', " +
         quote_literal(post_data_script) +
         "), ('foreign_keys', NULL), ('sequences', NULL), ('large_objects', NULL), "
         "('matviews', NULL), ('analyze', NULL);\n";
  return sql;
}

std::string record_sequences_sql(const std::vector<std::string>& qualified_names) {
  std::string sql = "CREATE TABLE pgshift.sequences (qualified_name text PRIMARY KEY);\n";
  for (const auto& name : qualified_names) {
    sql += "INSERT INTO pgshift.sequences VALUES (" + quote_literal(name) + ");\n";
  }
  return sql;
}

Task<Result<std::vector<Chunk>>> load_chunks(pg::Connection& target) {
  auto rows = co_await target.query(
      "SELECT table_id, chunk_no, first_page, end_page, est_bytes, "
      "lower_bound IS NOT NULL, upper_bound IS NOT NULL FROM pgshift.chunks ORDER BY priority");
  if (!rows) co_return fail(rows.error());
  std::vector<Chunk> chunks;
  std::map<std::pair<std::size_t, int>, std::size_t> index;
  for (int row = 0; row < rows->rows(); ++row) {
    Chunk chunk;
    chunk.table_index = static_cast<std::size_t>(rows->integer(row, 0));
    chunk.number = static_cast<int>(rows->integer(row, 1));
    if (!rows->is_null(row, 2)) chunk.first_page = rows->integer(row, 2);
    if (!rows->is_null(row, 3)) chunk.end_page = rows->integer(row, 3);
    chunk.estimated_bytes = rows->integer(row, 4);
    if (rows->boolean(row, 5)) chunk.lower = KeyValue{};
    if (rows->boolean(row, 6)) chunk.upper = KeyValue{};
    index[{chunk.table_index, chunk.number}] = chunks.size();
    chunks.push_back(std::move(chunk));
  }
  for (const char* bound : {"lower_bound", "upper_bound"}) {
    auto values = co_await target.query(std::string("SELECT c.table_id, c.chunk_no, b.value FROM "
                                                    "pgshift.chunks c, unnest(c.") +
                                        bound + ") WITH ORDINALITY b(value, n) ORDER BY 1, 2, b.n");
    if (!values) co_return fail(values.error());
    for (int row = 0; row < values->rows(); ++row) {
      auto& chunk = chunks[index[{static_cast<std::size_t>(values->integer(row, 0)),
                                  static_cast<int>(values->integer(row, 1))}]];
      (bound[0] == 'l' ? *chunk.lower : *chunk.upper).push_back(values->text(row, 2));
    }
  }
  co_return chunks;
}

Task<Result<std::optional<std::pair<std::size_t, int>>>> claim_next_chunk(pg::Connection& target) {
  auto row = co_await target.query(
      "BEGIN ISOLATION LEVEL READ COMMITTED; "
      "SELECT table_id, chunk_no FROM pgshift.chunks WHERE state = 'pending' "
      "ORDER BY priority LIMIT 1 FOR UPDATE SKIP LOCKED");
  if (!row) co_return fail(row.error());
  if (row->rows() == 0) co_return std::optional<std::pair<std::size_t, int>>{};
  co_return std::pair{static_cast<std::size_t>(row->integer(0, 0)),
                      static_cast<int>(row->integer(0, 1))};
}

Task<Result<std::optional<UnverifiedChunk>>> claim_unverified_chunk(
    pg::Connection& target, std::optional<std::size_t> table) {
  std::string which = table ? "c.table_id = " + std::to_string(*table) : "t.phase = 'ready'";
  auto row = co_await target.query(
      "SELECT c.table_id, c.chunk_no, c.rows, c.digest FROM pgshift.chunks c "
      "JOIN pgshift.tables t USING (table_id) WHERE c.state = 'done' AND c.verified IS NULL "
      "AND NOT t.keyless AND " +
      which + " ORDER BY c.priority LIMIT 1 FOR UPDATE OF c SKIP LOCKED");
  if (!row) co_return fail(row.error());
  if (row->rows() == 0) co_return std::optional<UnverifiedChunk>{};
  UnverifiedChunk chunk;
  chunk.table_index = static_cast<std::size_t>(row->integer(0, 0));
  chunk.number = static_cast<int>(row->integer(0, 1));
  chunk.source_digest.rows = static_cast<std::uint64_t>(row->integer(0, 2));
  chunk.source_digest.sum = verify::ChunkDigest::parse_sum_hex(row->text(0, 3)).value_or(0);
  co_return chunk;
}

std::string mark_chunk_done_sql(std::size_t table, int number, long long rows, std::int64_t bytes,
                                const verify::ChunkDigest& digest, const std::string& worker,
                                double seconds) {
  return "UPDATE pgshift.chunks SET state = 'done', rows = " + std::to_string(rows) +
         ", bytes = " + std::to_string(bytes) + ", digest = '" + digest.sum_hex() +
         "', copied_by = " + quote_literal(worker) + ", seconds = " + std::to_string(seconds) +
         ", last_error = NULL, finished_at = now()" + chunk_key(table, number);
}

std::string mark_chunk_verified_sql(std::size_t table, int number, const std::string& mode,
                                    const verify::ChunkDigest& target_digest, bool equal) {
  return "UPDATE pgshift.chunks SET verified = " + quote_literal(mode) +
         ", target_rows = " + std::to_string(target_digest.rows) + ", target_digest = '" +
         target_digest.sum_hex() + "'" + (equal ? "" : ", state = 'mismatch'") +
         chunk_key(table, number);
}

std::string record_chunk_error_sql(std::size_t table, int number, const std::string& error) {
  return "UPDATE pgshift.chunks SET last_error = " + quote_literal(error) +
         chunk_key(table, number);
}

Task<Result<std::vector<ChunkProgress>>> load_progress(pg::Connection& target) {
  auto rows = co_await target.query(R"SQL(
    SELECT t.table_id, count(c.chunk_no), count(*) FILTER (WHERE c.state <> 'pending'),
           count(*) FILTER (WHERE c.verified IS NOT NULL AND c.state = 'done'),
           count(*) FILTER (WHERE c.state = 'mismatch'),
           COALESCE(sum(c.rows), 0), COALESCE(sum(c.bytes), 0), COALESCE(sum(c.seconds), 0),
           t.phase
    FROM pgshift.tables t LEFT JOIN pgshift.chunks c USING (table_id)
    GROUP BY t.table_id, t.phase ORDER BY t.table_id)SQL");
  if (!rows) co_return fail(rows.error());
  std::vector<ChunkProgress> out;
  for (int row = 0; row < rows->rows(); ++row) {
    ChunkProgress progress;
    progress.table = static_cast<std::size_t>(rows->integer(row, 0));
    progress.total = static_cast<int>(rows->integer(row, 1));
    progress.done = static_cast<int>(rows->integer(row, 2));
    progress.verified = static_cast<int>(rows->integer(row, 3));
    progress.mismatched = static_cast<int>(rows->integer(row, 4));
    progress.rows = rows->integer(row, 5);
    progress.bytes = rows->integer(row, 6);
    progress.seconds = std::stod(rows->text(row, 7));
    progress.phase = rows->text(row, 8);
    out.push_back(progress);
  }
  co_return out;
}

std::string claim_table_indexing_sql(std::size_t table) {
  auto id = std::to_string(table);
  return "UPDATE pgshift.tables SET phase = 'indexing' WHERE table_id = " + id +
         " AND phase = 'copying' AND NOT EXISTS (SELECT 1 FROM pgshift.chunks WHERE table_id = " +
         id + " AND state <> 'done') RETURNING 1";
}

Task<Result<std::vector<PendingDdl>>> load_pending_ddl(pg::Connection& target,
                                                       std::optional<std::size_t> table,
                                                       const std::string& kind_filter) {
  std::string where = "NOT done AND kind " + kind_filter;
  if (table) where += " AND table_id = " + std::to_string(*table);
  auto rows = co_await target.query(
      "SELECT table_id, ordinal, kind, name, sql, references_table FROM "
      "pgshift.ddl WHERE " +
      where + " ORDER BY table_id, ordinal");
  if (!rows) co_return fail(rows.error());
  std::vector<PendingDdl> out;
  for (int row = 0; row < rows->rows(); ++row) {
    PendingDdl ddl{static_cast<std::size_t>(rows->integer(row, 0)),
                   static_cast<int>(rows->integer(row, 1)), rows->text(row, 2), rows->text(row, 3),
                   rows->text(row, 4)};
    if (!rows->is_null(row, 5)) ddl.references = static_cast<std::size_t>(rows->integer(row, 5));
    out.push_back(std::move(ddl));
  }
  co_return out;
}

std::string mark_ddl_done_sql(const PendingDdl& ddl) {
  return "UPDATE pgshift.ddl SET done = true WHERE table_id = " + std::to_string(ddl.table) +
         " AND ordinal = " + std::to_string(ddl.ordinal);
}

}  // namespace pgshift::state
