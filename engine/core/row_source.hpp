// Where a chunk's rows come from, as a binary COPY byte stream (header, tuples, trailer) in the
// target's wire format. PostgreSQL sources forward COPY TO STDOUT; the SQLite source encodes rows.
// One chunk at a time; used by one coroutine.
//
// Large rows: a source may leave out of the stream the rows too large to hold in memory whole
// (pg::PgRowSource: a row whose text/bytea values add up to more than pg::kLargeRowBytes) and
// deliver them after it, field by field, with the large values in pieces (next_large_row). The
// stream's trailer still ends the stream; the caller puts those rows before it when it forwards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "engine/core/asio.hpp"
#include "engine/core/result.hpp"
#include "engine/model/table.hpp"

namespace pgshift {

// Takes one large row as RowSource::next_large_row hands it over: begin_row, then each field in
// column order, either whole (field) or as begin_field and pieces whose sizes add up to its length.
// Values are in binary COPY form (what the stream would have carried for them).
class LargeRowSink {
 public:
  virtual ~LargeRowSink() = default;
  virtual Task<Status> begin_row(int fields) = 0;
  // A whole field: its value, or std::nullopt for NULL.
  virtual Task<Status> field(std::optional<std::span<const std::byte>> value) = 0;
  // A field of `length` bytes that follows in pieces.
  virtual Task<Status> begin_field(std::uint32_t length) = 0;
  virtual Task<Status> piece(std::span<const std::byte> bytes) = 0;
};

class RowSource {
 public:
  virtual ~RowSource() = default;
  virtual Task<Status> begin(const Table& table, const Chunk& chunk) = 0;
  // Appends stream bytes to `out` (about `want`); returns false when the chunk's stream ended.
  virtual Task<Result<bool>> read(std::vector<std::byte>& out, std::size_t want) = 0;
  // After read() returned false: hands the next row the stream left out to `sink`; false when
  // there is none left.
  virtual Task<Result<bool>> next_large_row(LargeRowSink& sink) {
    (void)sink;
    co_return false;
  }
};

}  // namespace pgshift
