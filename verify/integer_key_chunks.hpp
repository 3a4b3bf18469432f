// Which chunk a read-back row belongs to, worked out by pgshift from the row's own key rather than
// by the server. Tagging each row on the server (a CASE over the chunk bounds) cost the target a
// quarter of a narrow table's read-back; for a key of one integer column the client's comparison
// is exactly the server's, so the target just streams its pages. Other keys (text under a
// collation, several columns, numeric, a domain) keep the server's tag. Plain value; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "engine/core/result.hpp"
#include "engine/model/table.hpp"

namespace pgshift::verify {

class IntegerKeyChunks {
 public:
  // For `chunks` in key order that cover every key (pg::chunks_cover_keys): the locator when the
  // table's key is one copied int2, int4 or int8 column whose bounds all parse; otherwise none.
  static std::optional<IntegerKeyChunks> of(const Table& table,
                                            const std::vector<const Chunk*>& chunks);

  // The number of the chunk holding the tuple's key (a binary COPY tuple of the copied columns).
  // A NULL key goes to the last chunk, as the server's CASE sends it, so it still shows as a
  // difference; a malformed tuple is an error.
  Result<int> chunk_of(std::span<const std::byte> tuple) const;

  // The chunk holding `key`.
  int chunk_of_key(std::int64_t key) const;

 private:
  std::size_t field_ = 0;             // the key's index among the tuple's fields
  std::size_t width_ = 0;             // 2, 4 or 8 bytes
  std::vector<std::int64_t> lowers_;  // lower bound of each chunk but the first
  std::vector<int> numbers_;          // each chunk's number, in key order
};

}  // namespace pgshift::verify
