// The canonical row hash (row_hasher.hpp) of a row that arrives field by field, with large values
// in pieces (RowSource::next_large_row): XXH3-128 fed as the tuple streams, which gives the digest
// RowHasher::hash gives for the whole tuple. Whole fields of a kind that needs canonicalizing
// (arrays, records, floats) are canonicalized in a copy; a field that comes in pieces must be of a
// scalar kind (bytea, text), whose bytes are already canonical. Keeps at most one whole field; one
// per stream, not thread-safe.
#pragma once

#include <xxhash.h>

#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "engine/model/binary_values.hpp"
#include "verify/chunk_digest.hpp"

namespace pgshift::verify {

class StreamingRowHash {
 public:
  StreamingRowHash(std::vector<pg::ValueKind> column_kinds, const pg::TypeShapes* shapes);

  // Starts a row of `fields` fields (the tuple's 16-bit field count).
  void begin_row(int fields);
  // The next field whole; std::nullopt for NULL.
  Status field(std::optional<std::span<const std::byte>> value);
  // The next field, `length` bytes, to come in pieces; fails for a kind that needs canonicalizing.
  Status begin_field(std::uint32_t length);
  void piece(std::span<const std::byte> bytes);  // more than announced fails finish()
  // The row's hash; fails unless every field announced has come, wholly.
  Result<u128> finish();

 private:
  struct StateDeleter {
    void operator()(XXH3_state_t* state) const { XXH3_freeState(state); }
  };
  void feed(const void* data, std::size_t size);

  std::vector<pg::ValueKind> kinds_;
  const pg::TypeShapes* shapes_;
  std::unique_ptr<XXH3_state_t, StateDeleter> state_;
  int fields_ = 0;
  int next_field_ = 0;
  std::uint64_t piece_bytes_left_ = 0;
  bool overrun_ = false;
  std::vector<std::byte> scratch_;
};

}  // namespace pgshift::verify
