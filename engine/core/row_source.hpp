// Where a chunk's rows come from, as a binary COPY byte stream (header, tuples, trailer) in the
// target's wire format. PostgreSQL sources forward COPY TO STDOUT; the SQLite source encodes rows.
// One chunk at a time; used by one coroutine.
#pragma once

#include <cstddef>
#include <vector>

#include "engine/core/asio.hpp"
#include "engine/core/result.hpp"
#include "engine/model/table.hpp"

namespace pgshift {

class RowSource {
 public:
  virtual ~RowSource() = default;
  virtual Task<Status> begin(const Table& table, const Chunk& chunk) = 0;
  // Appends stream bytes to `out` (about `want`); returns false when the chunk's stream ended.
  virtual Task<Result<bool>> read(std::vector<std::byte>& out, std::size_t want) = 0;
};

}  // namespace pgshift
