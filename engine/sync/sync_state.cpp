#include "engine/sync/sync_state.hpp"

#include "engine/model/pg_quote.hpp"
#include "engine/sync/spill_codec.hpp"
#include "verify/large_objects.hpp"

namespace pgshift::sync {

std::string hex_bytes(std::span<const std::byte> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto byte : bytes) {
    auto value = static_cast<unsigned>(byte);
    out.push_back(kDigits[value >> 4]);
    out.push_back(kDigits[value & 15]);
  }
  return out;
}

Task<Result<std::optional<StreamState>>> load_stream_state(pg::Connection& target) {
  auto exists = co_await target.query("SELECT pg_catalog.to_regclass('pgshift.sync') IS NOT NULL");
  if (!exists) co_return fail(exists.error());
  if (!exists->boolean(0, 0)) co_return std::optional<StreamState>{};
  auto row = co_await target.query(
      "SELECT slot_name, publication, start_lsn::text, received_lsn::text, applied_lsn::text, "
      "phase, changes_applied, coalesce((pg_catalog.to_jsonb(s) ->> 'stream_only')::boolean, "
      "false) FROM pgshift.sync s");
  if (!row) co_return fail(row.error());
  if (row->rows() == 0) co_return std::optional<StreamState>{};
  StreamState state;
  state.slot_name = row->text(0, 0);
  state.publication = row->text(0, 1);
  state.start_lsn = pg::Lsn::parse(row->text(0, 2)).value_or(pg::Lsn{});
  state.received_lsn = pg::Lsn::parse(row->text(0, 3)).value_or(pg::Lsn{});
  state.applied_lsn = pg::Lsn::parse(row->text(0, 4)).value_or(pg::Lsn{});
  state.phase = row->text(0, 5);
  state.changes_applied = row->integer(0, 6);
  state.stream_only = row->boolean(0, 7);
  co_return state;
}

std::string insert_stream_state_sql(const StreamState& state) {
  auto lsn = [](pg::Lsn value) { return pg::quote_literal(value.text()) + "::pg_lsn"; };
  std::string sql = kCreateSyncStateSql;
  sql +=
      "ALTER TABLE pgshift.sync ADD COLUMN IF NOT EXISTS stream_only boolean NOT NULL DEFAULT "
      "false;\n";
  sql +=
      "INSERT INTO pgshift.sync (slot_name, publication, start_lsn, received_lsn, applied_lsn, "
      "phase, stream_only) VALUES (";
  sql += pg::quote_literal(state.slot_name) + ", " + pg::quote_literal(state.publication) + ", ";
  sql += lsn(state.start_lsn) + ", " + lsn(state.received_lsn) + ", " + lsn(state.applied_lsn);
  sql += ", " + pg::quote_literal(state.phase);
  sql += state.stream_only ? ", true" : ", false";
  sql += ") ON CONFLICT (singleton) DO NOTHING;\n";
  return sql;
}

Task<Status> set_stream_phase(pg::Connection& target, std::string_view phase) {
  auto done = co_await target.query("UPDATE pgshift.sync SET phase = " + pg::quote_literal(phase) +
                                    ", updated_at = now()");
  if (!done) co_return fail(done.error());
  co_return Status{};
}

Task<Result<std::string>> record_stream_view(pg::Connection& target, std::string_view phase,
                                             long long lag_bytes, double lag_seconds,
                                             long long spill) {
  // A cutover's phases are the cutover's to set.
  std::string sql =
      "UPDATE pgshift.sync SET phase = CASE WHEN phase IN ('cutover', 'done') THEN "
      "phase ELSE ";
  sql += pg::quote_literal(phase);
  sql += " END, lag_bytes = " + std::to_string(lag_bytes);
  sql += ", lag_seconds = " + std::to_string(lag_seconds);
  sql += ", spill_bytes = " + std::to_string(spill);
  sql += ", updated_at = now() RETURNING phase";
  auto done = co_await target.query(sql);
  if (!done) co_return fail(done.error());
  if (done->rows() == 0) co_return std::string(phase);
  co_return done->text(0, 0);
}

Task<Status> record_keyless_copies(pg::Connection& target, pg::Lsn copied_at) {
  auto done = co_await target.query(
      std::string(kCreateSyncStateSql) +
      "INSERT INTO pgshift.stream_keyless_copies SELECT t.schema_name, t.table_name, " +
      pg::quote_literal(copied_at.text()) +
      "::pg_lsn FROM pgshift.tables t WHERE t.keyless AND EXISTS (SELECT 1 FROM pgshift.chunks c "
      "WHERE c.table_id = t.table_id AND c.state <> 'done') ON CONFLICT (schema_name, table_name) "
      "DO UPDATE SET copied_at = EXCLUDED.copied_at");
  if (!done) co_return fail(done.error());
  co_return Status{};
}

Task<Result<KeylessCopies>> load_keyless_copies(pg::Connection& target) {
  auto rows = co_await target.query(
      "SELECT schema_name, table_name, copied_at::text FROM pgshift.stream_keyless_copies");
  if (!rows) co_return fail(rows.error());
  KeylessCopies copies;
  for (int row = 0; row < rows->rows(); ++row) {
    copies[{rows->text(row, 0), rows->text(row, 1)}] =
        pg::Lsn::parse(rows->text(row, 2)).value_or(pg::Lsn{});
  }
  co_return copies;
}

std::string append_segment_sql(std::span<const std::byte> raw, bool complete,
                               std::optional<pg::Lsn> end_lsn) {
  auto compressed = compress_segment(raw);
  return "INSERT INTO pgshift.spill (complete, end_lsn, raw_bytes, data) VALUES (" +
         std::string(complete ? "true" : "false") + ", " +
         (end_lsn ? pg::quote_literal(end_lsn->text()) + "::pg_lsn" : std::string("NULL")) + ", " +
         std::to_string(raw.size()) + ", '\\x" + hex_bytes(compressed) + "'::bytea)";
}

Task<Result<std::vector<SpillSegment>>> read_segments(pg::Connection& target, long long after_seq,
                                                      int max_segments) {
  auto rows = co_await target.query(
      "SELECT seq, raw_bytes, encode(data, 'hex') FROM pgshift.spill WHERE complete AND seq > " +
      std::to_string(after_seq) + " ORDER BY seq LIMIT " + std::to_string(max_segments));
  if (!rows) co_return fail(rows.error());
  std::vector<SpillSegment> out;
  for (int row = 0; row < rows->rows(); ++row) {
    auto compressed = verify::decode_hex(rows->text(row, 2));
    if (!compressed) co_return fail(compressed.error());
    auto raw = decompress_segment(*compressed, static_cast<std::size_t>(rows->integer(row, 1)));
    if (!raw) {
      co_return fail(std::move(raw.error()).within("spill segment " + rows->text(row, 0)));
    }
    out.push_back({rows->integer(row, 0), std::move(*raw)});
  }
  co_return out;
}

Task<Result<long long>> spill_bytes(pg::Connection& target) {
  auto size = co_await target.query(
      "SELECT COALESCE(sum(pg_catalog.octet_length(data)), 0) FROM pgshift.spill");
  if (!size) co_return fail(size.error());
  co_return size->integer(0, 0);
}

}  // namespace pgshift::sync
