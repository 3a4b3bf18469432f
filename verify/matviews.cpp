#include "verify/matviews.hpp"

#include <map>

#include "verify/row_hasher.hpp"
#include "verify/stream_digest.hpp"

namespace pgshift::verify {
namespace {

// The COPY statement's stream, begun before this source is handed to digest_stream.
class CopyOutRows final : public RowSource {
 public:
  explicit CopyOutRows(pg::Connection& connection) : connection_(connection) {}
  Task<Status> begin(const Table&, const Chunk&) override { co_return Status{}; }
  Task<Result<bool>> read(std::vector<std::byte>& out, std::size_t want) override {
    co_return co_await connection_.read_copy(out, want);
  }

 private:
  pg::Connection& connection_;
};

ReportTable entry_for(const Matview& matview) {
  ReportTable table;
  table.schema = matview.schema;
  table.name = matview.name;
  table.chunks_total = 1;
  return table;
}

ReportMismatch whole_view(std::string kind, std::string detail) {
  ReportMismatch mismatch;
  mismatch.chunk = -1;
  mismatch.key_range = "whole materialized view";
  mismatch.kind = std::move(kind);
  mismatch.detail = std::move(detail);
  return mismatch;
}

}  // namespace

Task<Result<std::vector<Matview>>> read_matviews(pg::Connection& connection,
                                                 const pg::TableFilter& filter) {
  auto views = co_await connection.query(R"SQL(
    SELECT c.oid, n.nspname, c.relname, pg_catalog.format('%I.%I', n.nspname, c.relname),
           c.relispopulated
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'm' AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgshift')
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                        AND d.objid = c.oid AND d.deptype = 'e')
    ORDER BY n.nspname, c.relname)SQL");
  if (!views) co_return fail(std::move(views.error()).within("listing materialized views"));
  std::vector<Matview> out;
  std::map<std::uint32_t, std::size_t> by_oid;
  for (int row = 0; row < views->rows(); ++row) {
    Matview matview;
    matview.oid = static_cast<std::uint32_t>(views->integer(row, 0));
    matview.schema = views->text(row, 1);
    matview.name = views->text(row, 2);
    if (!filter.accepts(matview.schema, matview.name)) continue;
    matview.qualified = views->text(row, 3);
    matview.populated = views->boolean(row, 4);
    by_oid[matview.oid] = out.size();
    out.push_back(std::move(matview));
  }
  if (out.empty()) co_return out;
  auto columns = co_await connection.query(R"SQL(
    SELECT a.attrelid, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.atttypid,
           t.typsend <> 0
    FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
    WHERE c.relkind = 'm' AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY a.attrelid, a.attnum)SQL");
  if (!columns) co_return fail(std::move(columns.error()).within("reading materialized views"));
  for (int row = 0; row < columns->rows(); ++row) {
    auto it = by_oid.find(static_cast<std::uint32_t>(columns->integer(row, 0)));
    if (it == by_oid.end()) continue;
    Matview& matview = out[it->second];
    matview.column_names.push_back(columns->text(row, 1));
    matview.column_types.push_back(columns->text(row, 2));
    matview.column_type_oids.push_back(static_cast<std::uint32_t>(columns->integer(row, 3)));
    if (!columns->boolean(row, 4)) matview.binary_io = false;
  }
  co_return out;
}

Task<Result<ChunkDigest>> digest_matview(pg::Connection& connection, const Matview& matview,
                                         const pg::TypeShapes& shapes) {
  std::vector<pg::ValueKind> kinds;
  for (auto oid : matview.column_type_oids) kinds.push_back(shapes.kind(oid));
  auto where = [&](Error error) {
    return std::move(error).within("materialized view " + matview.schema + "." + matview.name);
  };
  if (auto begun = co_await connection.begin_copy_out("COPY (SELECT * FROM " + matview.qualified +
                                                      ") TO STDOUT (FORMAT binary)");
      !begun) {
    co_return fail(where(begun.error()));
  }
  CopyOutRows rows(connection);
  RowHasher hasher(std::move(kinds), &shapes);
  auto digest = co_await digest_stream(rows, hasher);
  if (!digest) co_return fail(where(digest.error()));
  co_return *digest;
}

Task<Result<std::vector<ReportTable>>> compare_matviews(pg::Connection& source,
                                                        const pg::TypeShapes& source_shapes,
                                                        pg::Connection& target,
                                                        const pg::TypeShapes& target_shapes,
                                                        const pg::TableFilter& filter) {
  auto left = co_await read_matviews(source, filter);
  if (!left) co_return fail(left.error());
  auto right = co_await read_matviews(target, filter);
  if (!right) co_return fail(right.error());
  std::map<std::string, const Matview*> on_target;
  for (const auto& matview : *right) on_target[matview.qualified] = &matview;
  std::vector<ReportTable> out;
  for (const auto& matview : *left) {
    ReportTable table = entry_for(matview);
    auto it = on_target.find(matview.qualified);
    if (it == on_target.end()) {
      table.mismatches.push_back(whole_view("missing", "materialized view not in the target"));
      out.push_back(std::move(table));
      continue;
    }
    const Matview& theirs = *it->second;
    on_target.erase(it);
    if (!matview.populated || !theirs.populated) {
      if (matview.populated) {
        table.mismatches.push_back(whole_view("missing", "not populated in the target"));
      } else if (theirs.populated) {
        table.mismatches.push_back(whole_view("extra", "populated in the target only"));
      } else {
        table.chunks_verified = 1;  // unpopulated on both sides: nothing to read, and equal
      }
      out.push_back(std::move(table));
      continue;
    }
    if (matview.column_names != theirs.column_names ||
        matview.column_types != theirs.column_types) {
      table.notes.push_back("rows not compared: columns differ");
      out.push_back(std::move(table));
      continue;
    }
    if (!matview.binary_io || !theirs.binary_io) {
      table.notes.push_back("rows not compared: a column type has no binary output");
      out.push_back(std::move(table));
      continue;
    }
    auto mine = co_await digest_matview(source, matview, source_shapes);
    if (!mine) co_return fail(mine.error());
    auto other = co_await digest_matview(target, theirs, target_shapes);
    if (!other) co_return fail(other.error());
    table.rows_source = static_cast<long long>(mine->rows);
    table.rows_target = static_cast<long long>(other->rows);
    if (*mine == *other) {
      table.chunks_verified = 1;
    } else {
      table.mismatches.push_back(whole_view(
          "changed", "rows differ: " + std::to_string(mine->rows) + " rows in the source, " +
                         std::to_string(other->rows) + " in the target (materialized view)"));
    }
    out.push_back(std::move(table));
  }
  for (const auto& [name, matview] : on_target) {
    ReportTable table = entry_for(*matview);
    table.mismatches.push_back(whole_view("extra", "materialized view not in the source"));
    out.push_back(std::move(table));
  }
  co_return out;
}

}  // namespace pgshift::verify
