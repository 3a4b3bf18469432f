#include "engine/state/readback_parts.hpp"

namespace pgshift::state {
namespace {

std::string optional_int(const std::optional<std::int64_t>& value) {
  return value ? std::to_string(*value) : "NULL";
}

}  // namespace

const char* const kReadbackPartsDdl = R"SQL(
CREATE TABLE pgshift.readback_parts (
  table_id int NOT NULL REFERENCES pgshift.tables,
  part int NOT NULL,
  first_page bigint,
  end_page bigint,
  done boolean NOT NULL DEFAULT false,
  PRIMARY KEY (table_id, part));
CREATE TABLE pgshift.readback_sums (
  table_id int NOT NULL,
  part int NOT NULL,
  chunk_no int NOT NULL,
  rows bigint NOT NULL,
  digest text NOT NULL,
  PRIMARY KEY (table_id, part, chunk_no));
)SQL";

// Another process may be upgrading the same state at the same moment: its tables count as ours.
const char* const kUpgradeReadbackSql =
    "DO $$ BEGIN IF pg_catalog.to_regclass('pgshift.readback_parts') IS NULL THEN "
    "CREATE TABLE pgshift.readback_parts (table_id int NOT NULL REFERENCES pgshift.tables, "
    "part int NOT NULL, first_page bigint, end_page bigint, done boolean NOT NULL DEFAULT false, "
    "PRIMARY KEY (table_id, part)); "
    "CREATE TABLE pgshift.readback_sums (table_id int NOT NULL, part int NOT NULL, "
    "chunk_no int NOT NULL, rows bigint NOT NULL, digest text NOT NULL, "
    "PRIMARY KEY (table_id, part, chunk_no)); END IF; "
    "EXCEPTION WHEN duplicate_table OR unique_violation THEN NULL; END $$";

std::string publish_parts_sql(std::size_t table, const std::vector<Chunk>& pages) {
  std::string id = std::to_string(table);
  std::string sql = "BEGIN; DELETE FROM pgshift.readback_parts WHERE table_id = " + id +
                    "; DELETE FROM pgshift.readback_sums WHERE table_id = " + id + ";";
  if (!pages.empty()) {
    sql += " INSERT INTO pgshift.readback_parts (table_id, part, first_page, end_page) VALUES ";
    for (std::size_t i = 0; i < pages.size(); ++i) {
      if (i) sql += ", ";
      sql += "(" + id + ", " + std::to_string(i) + ", " + optional_int(pages[i].first_page) + ", " +
             optional_int(pages[i].end_page) + ")";
    }
    sql += ";";
  }
  return sql + " COMMIT";
}

Task<Result<std::optional<ReadbackPart>>> claim_part(pg::Connection& target,
                                                     std::optional<std::size_t> table) {
  std::string which = table ? " AND table_id = " + std::to_string(*table) : "";
  auto row = co_await target.query(
      "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT table_id, part, first_page, end_page FROM "
      "pgshift.readback_parts WHERE NOT done" +
      which + " ORDER BY table_id, part LIMIT 1 FOR UPDATE SKIP LOCKED");
  if (!row) co_return fail(row.error());
  if (row->rows() == 0) {
    if (auto ended = co_await target.query("ROLLBACK"); !ended) co_return fail(ended.error());
    co_return std::optional<ReadbackPart>{};
  }
  ReadbackPart part;
  part.table = static_cast<std::size_t>(row->integer(0, 0));
  part.part = static_cast<int>(row->integer(0, 1));
  part.pages.table_index = part.table;
  if (!row->is_null(0, 2)) part.pages.first_page = row->integer(0, 2);
  if (!row->is_null(0, 3)) part.pages.end_page = row->integer(0, 3);
  co_return part;
}

std::string record_part_sql(const ReadbackPart& part,
                            const std::map<int, verify::ChunkDigest>& sums) {
  std::string id = std::to_string(part.table), number = std::to_string(part.part);
  std::string sql = "UPDATE pgshift.readback_parts SET done = true WHERE table_id = " + id +
                    " AND part = " + number;
  if (!sums.empty()) {
    sql += "; INSERT INTO pgshift.readback_sums (table_id, part, chunk_no, rows, digest) VALUES ";
    bool first = true;
    for (const auto& [chunk, digest] : sums) {
      if (!first) sql += ", ";
      first = false;
      sql += "(" + id + ", " + number + ", " + std::to_string(chunk) + ", " +
             std::to_string(digest.rows) + ", '" + digest.sum_hex() + "')";
    }
  }
  return sql;
}

Task<Result<long long>> count_unread_parts(pg::Connection& target, std::size_t table) {
  auto row = co_await target.query(
      "SELECT count(*) FROM pgshift.readback_parts WHERE NOT done AND table_id = " +
      std::to_string(table));
  if (!row) co_return fail(row.error());
  co_return row->integer(0, 0);
}

Task<Result<std::map<int, verify::ChunkDigest>>> load_part_sums(pg::Connection& target,
                                                                std::size_t table) {
  auto rows = co_await target.query(
      "SELECT chunk_no, rows, digest FROM pgshift.readback_sums WHERE table_id = " +
      std::to_string(table));
  if (!rows) co_return fail(rows.error());
  std::map<int, verify::ChunkDigest> sums;
  for (int row = 0; row < rows->rows(); ++row) {
    auto sum = verify::ChunkDigest::parse_sum_hex(rows->text(row, 2));
    if (!sum) {
      co_return fail(Error{
          ErrorKind::kRuntime,
          "pgshift.readback_sums holds a digest that is not 32 hex digits: " + rows->text(row, 2)});
    }
    verify::ChunkDigest part;
    part.rows = static_cast<std::uint64_t>(rows->integer(row, 1));
    part.sum = *sum;
    sums[static_cast<int>(rows->integer(row, 0))].merge(part);
  }
  co_return sums;
}

}  // namespace pgshift::state
