#include "engine/assess/speed_probe.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "connectors/pg/chunk_sql.hpp"
#include "engine/model/copy_binary.hpp"

namespace pgshift::assess {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

constexpr std::uint32_t kFirstUserOid = 16384;
constexpr std::size_t kPiece = 1 << 20;

// The probe table's columns: the source's own types when they are all built in (so the target
// parses the same values), else one bytea column holding each whole tuple.
std::string probe_columns(const Table& table, bool& same_types) {
  same_types = true;
  std::string out;
  for (const Column* column : table.copied_columns()) {
    if (column->type_oid >= kFirstUserOid) same_types = false;
    out += (out.empty() ? "" : ", ") + pg::quote_identifier(column->name) + " " + column->type_sql;
  }
  if (!same_types || out.empty()) {
    same_types = false;
    return "tuple bytea";
  }
  return out;
}

void put_u16(std::vector<std::byte>& out, std::uint16_t value) {
  out.push_back(std::byte(value >> 8));
  out.push_back(std::byte(value));
}

// The same stream with each tuple as one bytea field: same row count, nearly the same bytes.
Result<std::vector<std::byte>> wrap_tuples(std::vector<std::byte>& stream) {
  std::vector<std::byte> out(stream.begin(),
                             stream.begin() + std::min(stream.size(), pg::kCopyHeaderFixedBytes));
  pg::CopyBinaryParser parser;
  auto parsed = parser.parse(stream, [&](std::span<std::byte> tuple) {
    put_u16(out, 1);
    std::size_t at = out.size();
    out.resize(at + 4);
    pg::write_u32(out.data() + at, static_cast<std::uint32_t>(tuple.size() - 2));
    out.insert(out.end(), tuple.begin() + 2, tuple.end());
  });
  if (!parsed) return fail(parsed.error());
  put_u16(out, 0xffff);
  return out;
}

long long count_tuples(std::vector<std::byte>& stream) {
  pg::CopyBinaryParser parser;
  auto parsed = parser.parse(stream, [](std::span<std::byte>) {});
  return parsed ? static_cast<long long>(parser.tuples()) : 0;
}

Task<Result<double>> timed_copy_out(pg::Connection& connection, const std::string& sql,
                                    std::vector<std::byte>* keep) {
  auto started = Clock::now();
  if (auto begun = co_await connection.begin_copy_out(sql); !begun) co_return fail(begun.error());
  std::vector<std::byte> scratch;
  std::vector<std::byte>& buffer = keep ? *keep : scratch;
  for (;;) {
    if (!keep) scratch.clear();
    auto more = co_await connection.read_copy(buffer, buffer.size() + kPiece);
    if (!more) co_return fail(more.error());
    if (!*more) break;
  }
  co_return since(started);
}

// Writes the sample into a new table of a transaction that is rolled back whatever happens.
Task<Status> measure_write(pg::Connection& target, const Table& table,
                           std::vector<std::byte>& stream, SampleTiming& sample,
                           std::string& mode) {
  bool same_types = false;
  std::string columns = probe_columns(table, same_types);
  std::vector<std::byte> wrapped;
  if (!same_types) {
    auto rewritten = wrap_tuples(stream);
    if (!rewritten) co_return fail(rewritten.error());
    wrapped = std::move(*rewritten);
  }
  const std::vector<std::byte>& data = same_types ? stream : wrapped;
  // A real table (WAL-logged like migrate's) in a schema of its own; a temporary one if the
  // user may not create schemas.
  std::string name = "pgshift_plan_probe.sample";
  auto created = co_await target.query(
      "BEGIN; SET LOCAL synchronous_commit = off; CREATE SCHEMA pgshift_plan_probe; "
      "CREATE TABLE " +
      name + " (" + columns + ")");
  if (!created) {
    co_await target.query("ROLLBACK");
    name = "pg_temp.pgshift_plan_probe";
    created =
        co_await target.query("BEGIN; CREATE TEMPORARY TABLE pgshift_plan_probe (" + columns + ")");
    if (!created) {
      co_await target.query("ROLLBACK");
      co_return fail(created.error());
    }
    mode = "temporary table";
  } else if (mode.empty()) {
    mode = "table in a rolled-back transaction";
  }
  auto started = Clock::now();
  Status written = co_await target.begin_copy_in("COPY " + name + " FROM STDIN (FORMAT binary)");
  for (std::size_t at = 0; written && at < data.size(); at += kPiece) {
    written = co_await target.write_copy(
        std::span<const std::byte>(data.data() + at, std::min(kPiece, data.size() - at)));
  }
  if (written) {
    auto stored = co_await target.end_copy_in();
    if (!stored) written = fail(stored.error());
  }
  if (written) {
    sample.write_seconds = since(started);
    auto readback = co_await timed_copy_out(
        target, "COPY (SELECT * FROM " + name + ") TO STDOUT (FORMAT binary)", nullptr);
    if (readback) {
      sample.readback_seconds = *readback;
      auto scan_started = Clock::now();
      auto scanned = co_await target.query("SELECT count(*) FROM " + name);
      if (scanned) sample.scan_seconds = since(scan_started);
      sample.write_measured = true;
    } else {
      written = fail(readback.error());
    }
  }
  co_await target.query("ROLLBACK");
  co_return written;
}

}  // namespace

Task<ProbeResult> measure_speeds(pg::Connection& source, pg::Connection* target,
                                 const std::vector<ProbeTable>& tables,
                                 const ProbeOptions& options) {
  ProbeResult result;
  auto started = Clock::now();
  for (const auto& probe : tables) {
    if (static_cast<int>(result.samples.size()) >= options.max_tables) break;
    if (since(started) > options.seconds_budget) {
      result.notes.push_back("sampling stopped after " +
                             std::to_string(static_cast<int>(options.seconds_budget)) + " s");
      break;
    }
    const Table& table = *probe.table;
    if (table.bytes <= 0 || table.partitioned_parent) continue;
    long long limit = 10000;
    if (probe.rows > 0) {
      limit = static_cast<long long>(
          std::ceil(probe.rows * static_cast<double>(options.bytes_per_table) /
                    static_cast<double>(table.bytes)));
      limit = std::max(100LL, limit);
    }
    SampleTiming sample;
    sample.table = table.schema + "." + table.name;
    std::vector<std::byte> stream;
    auto read = co_await timed_copy_out(source,
                                        "COPY (SELECT " + pg::copied_column_list(table) +
                                            " FROM ONLY " + pg::qualified_name(table) + " LIMIT " +
                                            std::to_string(limit) + ") TO STDOUT (FORMAT binary)",
                                        &stream);
    if (!read) {
      result.notes.push_back("reading a sample of " + sample.table +
                             " failed: " + read.error().message);
      break;  // the source transaction is aborted now
    }
    sample.read_seconds = *read;
    sample.wire_bytes = static_cast<std::int64_t>(stream.size());
    sample.rows = count_tuples(stream);
    if (sample.rows < limit) {
      sample.fraction = 1;  // the whole table
    } else if (probe.rows > 0) {
      sample.fraction = std::min(1.0, static_cast<double>(sample.rows) / probe.rows);
    } else {
      sample.fraction = std::min(
          1.0, static_cast<double>(options.bytes_per_table) / static_cast<double>(table.bytes));
    }
    if (target) {
      if (auto written = co_await measure_write(*target, table, stream, sample, result.write_mode);
          !written) {
        result.notes.push_back("writing a sample of " + sample.table +
                               " to the target failed: " + written.error().message);
        target = nullptr;
      }
    }
    result.samples.push_back(std::move(sample));
  }
  co_return result;
}

}  // namespace pgshift::assess
