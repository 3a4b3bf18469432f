// Where a chunk's rows go: the target side of a chunk copy, taking the binary COPY byte stream
// (header, tuples, trailer; PostgreSQL's wire format, engine/model/copy_binary.hpp) that a
// RowSource produced. chunk_copy writes through it, so its copy loop runs against fakes in unit
// tests; pg::PgCopySink (connectors/pg/pg_copy_sink.hpp) runs COPY ... FROM STDIN (FORMAT binary)
// inside the caller's transaction. The caller begins and commits that transaction (together with
// the chunk's state), the sink only carries the stream. One chunk at a time: begin, any number of
// writes, then finish or abort; after a failed begin or write the caller drops the sink's
// session instead. Used by one coroutine; the sink does not own the table.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "engine/core/asio.hpp"
#include "engine/core/result.hpp"
#include "engine/model/table.hpp"

namespace pgshift {

class CopySink {
 public:
  virtual ~CopySink() = default;
  // Starts taking the copied columns of `table` (Table::copied_columns(), in that order).
  // `replace_contents`: the stream is the whole table, so the sink empties the table first, in the
  // caller's transaction (no key tells which rows a retry of a keyless table already wrote), and
  // may load the rows frozen: no other transaction sees the emptied table before the commit.
  virtual Task<Status> begin(const Table& table, bool replace_contents) = 0;
  // Passes on the next bytes of the stream; they need not end on a tuple boundary.
  virtual Task<Status> write(std::span<const std::byte> bytes) = 0;
  // Ends the stream (after its trailer); returns how many rows the target stored.
  virtual Task<Result<long long>> finish() = 0;
  // Gives up on the stream after a failure on the reading side; nothing of it is stored.
  virtual Task<Status> abort(std::string_view reason) = 0;
};

}  // namespace pgshift
