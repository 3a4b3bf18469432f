#include "connectors/pg/pg_row_source.hpp"

#include "connectors/pg/chunk_sql.hpp"
#include "connectors/pg/large_rows.hpp"
#include "engine/model/copy_binary.hpp"

namespace pgshift::pg {
namespace {

// The fields of the one tuple in a whole binary COPY stream (spans into `stream`).
Result<std::vector<std::optional<std::span<std::byte>>>> single_tuple_fields(
    std::vector<std::byte>& stream) {
  CopyBinaryParser parser;
  std::vector<std::optional<std::span<std::byte>>> fields;
  int tuples = 0;
  Status walked;
  auto consumed = parser.parse(stream, [&](std::span<std::byte> tuple) {
    ++tuples;
    walked = for_each_field(tuple, [&](int, std::span<std::byte> value, bool is_null) {
      fields.push_back(is_null ? std::nullopt : std::optional(value));
    });
  });
  if (!consumed) return fail(consumed.error());
  if (!walked) return fail(walked.error());
  if (parser.phase() != CopyBinaryParser::Phase::kDone || tuples != 1) {
    return fail(ErrorKind::kRuntime, "large row: expected one row, the server sent " +
                                         std::to_string(tuples) + " (was it changed?)");
  }
  return fields;
}

}  // namespace

Task<Status> PgRowSource::begin(const Table& table, const Chunk& chunk) {
  table_ = &table;
  large_rows_.clear();
  next_large_ = 0;
  sliceable_ = sliceable_columns(table);
  std::string leave_out;
  if (!sliceable_.empty()) {
    auto measured = toast_bytes_.find(&table);
    if (measured == toast_bytes_.end()) {
      auto toast = co_await connection_.query(toast_bytes_sql(table));
      if (!toast) co_return fail(toast.error());
      measured = toast_bytes_.emplace(&table, toast->rows() == 1 ? toast->integer(0, 0) : 0).first;
    }
    if (measured->second >= kLargeRowBytes / kMaxCompressionRatio) {
      std::string predicate = large_row_predicate(table, sliceable_);
      auto found = co_await connection_.query(large_rows_sql(table, chunk, predicate));
      if (!found) co_return fail(found.error());
      for (int row = 0; row < found->rows(); ++row) large_rows_.push_back(found->text(row, 0));
      if (!large_rows_.empty()) leave_out = "NOT " + predicate;
    }
  }
  co_return co_await connection_.begin_copy_out(copy_out_sql(table, chunk, leave_out));
}

Task<Status> PgRowSource::begin_sql(const std::string& copy_to_stdout_sql) {
  large_rows_.clear();  // every row comes in the stream
  next_large_ = 0;
  co_return co_await connection_.begin_copy_out(copy_to_stdout_sql);
}

Task<Result<bool>> PgRowSource::read(std::vector<std::byte>& out, std::size_t want) {
  co_return co_await connection_.read_copy(out, want);
}

Task<Result<std::vector<std::byte>>> PgRowSource::copy_one_tuple(const std::string& sql) {
  if (auto begun = co_await connection_.begin_copy_out(sql); !begun) co_return fail(begun.error());
  std::vector<std::byte> stream;
  for (;;) {
    auto more = co_await connection_.read_copy(stream, std::size_t(1) << 30);
    if (!more) co_return fail(more.error());
    if (!*more) break;
  }
  co_return stream;
}

Task<Status> PgRowSource::send_sliced_value(LargeRowSink& sink, std::size_t copied_index,
                                            const std::string& ctid, std::int64_t bytes) {
  if (bytes > 0x7fffffff) co_return fail(ErrorKind::kRuntime, "large row: value over 2 GB");
  if (auto begun = co_await sink.begin_field(static_cast<std::uint32_t>(bytes)); !begun) {
    co_return begun;
  }
  auto begun = co_await connection_.begin_copy_out(
      value_slices_sql(*table_, copied_index, ctid, kLargeValueSliceBytes));
  if (!begun) co_return begun;
  // One slice a message: read each as it comes, pass it on, drop it.
  CopyBinaryParser parser;
  parser.expect_fields(1);
  std::vector<std::byte> buffer;
  std::int64_t sent = 0;
  Status passed;
  for (bool more = true; more;) {
    auto read = co_await connection_.read_copy(buffer, 1);
    if (!read) co_return fail(read.error());
    more = *read;
    std::vector<std::span<std::byte>> slices;
    auto consumed = parser.parse(buffer, [&](std::span<std::byte> tuple) {
      auto walked = for_each_field(tuple, [&](int, std::span<std::byte> value, bool is_null) {
        if (!is_null) slices.push_back(value);
      });
      if (!walked && passed) passed = walked;
    });
    if (!consumed) co_return fail(consumed.error());
    if (!passed) co_return passed;
    for (auto slice : slices) {
      sent += static_cast<std::int64_t>(slice.size());
      if (sent > bytes) break;
      if (passed = co_await sink.piece(slice); !passed) co_return passed;
    }
    buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*consumed));
  }
  if (sent != bytes || parser.phase() != CopyBinaryParser::Phase::kDone) {
    // Never silent: the slices must be exactly the value (a client_encoding other than the
    // database's would change text's bytes).
    co_return fail(ErrorKind::kRuntime, "large row: the slices of a value of " +
                                            qualified_name(*table_) + " at ctid " + ctid +
                                            " gave " + std::to_string(sent) + " bytes of " +
                                            std::to_string(bytes));
  }
  co_return Status{};
}

Task<Result<bool>> PgRowSource::next_large_row(LargeRowSink& sink) {
  if (next_large_ >= large_rows_.size()) co_return false;
  const std::string& ctid = large_rows_[next_large_++];
  auto whole = co_await copy_one_tuple(large_row_fields_sql(*table_, sliceable_, ctid));
  if (!whole) co_return fail(whole.error());
  auto fields = single_tuple_fields(*whole);
  if (!fields) co_return fail(fields.error());
  auto lengths = co_await connection_.query(large_row_lengths_sql(*table_, sliceable_, ctid));
  if (!lengths) co_return fail(lengths.error());
  if (lengths->rows() != 1) co_return fail(ErrorKind::kRuntime, "large row: it is gone");
  if (auto begun = co_await sink.begin_row(static_cast<int>(fields->size())); !begun) {
    co_return fail(begun.error());
  }
  for (std::size_t i = 0, next = 0; i < fields->size(); ++i) {
    Status sent;
    if (next < sliceable_.size() && sliceable_[next] == i) {
      int column = static_cast<int>(next++);
      if (lengths->is_null(0, column)) {
        sent = co_await sink.field(std::nullopt);
      } else {
        sent = co_await send_sliced_value(sink, i, ctid, lengths->integer(0, column));
      }
    } else if ((*fields)[i]) {
      sent = co_await sink.field(std::span<const std::byte>(*(*fields)[i]));
    } else {
      sent = co_await sink.field(std::nullopt);
    }
    if (!sent) co_return fail(sent.error());
  }
  co_return true;
}

}  // namespace pgshift::pg
