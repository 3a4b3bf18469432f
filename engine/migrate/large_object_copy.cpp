#include "engine/migrate/large_object_copy.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pgshift {

Task<Result<verify::LargeObjectDigest>> copy_large_object(pg::Connection& reader,
                                                          pg::Connection& target,
                                                          std::uint32_t oid) {
  std::string id = std::to_string(oid);
  // Rewritten in place when it exists (emptied, then written): its owner and grants stay.
  auto begun = co_await target.query(
      "BEGIN; SELECT pg_catalog.lo_create(" + id +
      ") WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_largeobject_metadata WHERE oid = " + id +
      "); SELECT pg_catalog.lo_truncate(pg_catalog.lo_open(" + id + ", 131072), 0)");
  if (!begun) co_return fail(std::move(begun.error()).within("large object " + id));
  verify::LargeObjectHasher hasher;
  for (long long offset = 0;;) {
    auto hex =
        co_await verify::read_large_object_piece(reader, oid, offset, verify::kLargeObjectPiece);
    if (!hex) {
      co_await target.query("ROLLBACK");
      co_return fail(hex.error());
    }
    auto bytes = verify::decode_hex(*hex);
    if (!bytes) {
      co_await target.query("ROLLBACK");
      co_return fail(std::move(bytes.error()).within("reading large object " + id));
    }
    if (bytes->empty()) break;
    hasher.update(*bytes);
    std::vector<std::optional<std::string>> params;
    params.emplace_back(id);
    params.emplace_back(std::to_string(offset));
    params.emplace_back(std::move(*hex));
    auto put = co_await target.query(
        "SELECT pg_catalog.lo_put($1::oid, $2::bigint, pg_catalog.decode($3, 'hex'))", params);
    if (!put) {
      co_await target.query("ROLLBACK");
      co_return fail(std::move(put.error()).within("writing large object " + id));
    }
    offset += static_cast<long long>(bytes->size());
    if (static_cast<long long>(bytes->size()) < verify::kLargeObjectPiece) break;
  }
  auto committed = co_await target.query("COMMIT");
  if (!committed) co_return fail(committed.error());
  co_return hasher.digest();
}

Task<Status> remove_large_object(pg::Connection& target, std::uint32_t oid) {
  auto removed = co_await target.query(
      "SELECT pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata WHERE oid = " +
      std::to_string(oid));
  if (!removed) {
    co_return fail(
        std::move(removed.error()).within("removing large object " + std::to_string(oid)));
  }
  co_return Status{};
}

}  // namespace pgshift
