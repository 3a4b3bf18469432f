#include "verify/large_objects.hpp"

#include <algorithm>
#include <utility>

namespace pgshift::verify {
namespace {

// Objects whose first piece one statement reads: few round trips for many small objects, while
// a statement's result stays within a few pieces' size.
constexpr std::size_t kFirstPiecesPerQuery = 8;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string piece_sql(const std::string& oid_expression, long long offset, long long length) {
  return "pg_catalog.encode(pg_catalog.lo_get(" + oid_expression + ", " + std::to_string(offset) +
         ", " + std::to_string(length) + "), 'hex')";
}

// Hashes object `oid` from `offset` to its end into `hasher` (which holds the bytes before it).
Task<Status> hash_rest(pg::Connection& connection, std::uint32_t oid, LargeObjectHasher& hasher,
                       long long offset) {
  for (;;) {
    auto hex = co_await read_large_object_piece(connection, oid, offset, kLargeObjectPiece);
    if (!hex) co_return fail(hex.error());
    auto bytes = decode_hex(*hex);
    if (!bytes) co_return fail(bytes.error());
    hasher.update(*bytes);
    offset += static_cast<long long>(bytes->size());
    if (static_cast<long long>(bytes->size()) < kLargeObjectPiece) co_return Status{};
  }
}

std::string oid_list(const std::vector<std::uint32_t>& oids, std::size_t limit = 20) {
  std::string out;
  for (std::size_t i = 0; i < oids.size() && i < limit; ++i) {
    out += (i ? ", " : "") + std::to_string(oids[i]);
  }
  if (oids.size() > limit) out += ", ... (" + std::to_string(oids.size()) + " in all)";
  return out;
}

}  // namespace

LargeObjectHasher::LargeObjectHasher() : state_(XXH3_createState()) {
  XXH3_128bits_reset(state_);
}

LargeObjectHasher::~LargeObjectHasher() {
  if (state_) XXH3_freeState(state_);
}

LargeObjectHasher::LargeObjectHasher(LargeObjectHasher&& other) noexcept
    : state_(std::exchange(other.state_, nullptr)), bytes_(other.bytes_) {}

void LargeObjectHasher::update(std::span<const std::byte> bytes) {
  XXH3_128bits_update(state_, bytes.data(), bytes.size());
  bytes_ += bytes.size();
}

LargeObjectDigest LargeObjectHasher::digest() const {
  XXH128_hash_t hash = XXH3_128bits_digest(state_);
  return LargeObjectDigest{bytes_, (static_cast<u128>(hash.high64) << 64) | hash.low64};
}

Result<std::vector<std::byte>> decode_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return fail(ErrorKind::kRuntime, "hex text of odd length");
  std::vector<std::byte> out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    int high = hex_digit(hex[2 * i]), low = hex_digit(hex[2 * i + 1]);
    if (high < 0 || low < 0) return fail(ErrorKind::kRuntime, "not a hex digit in hex text");
    out[i] = static_cast<std::byte>(high * 16 + low);
  }
  return out;
}

Task<Result<std::string>> read_large_object_piece(pg::Connection& connection, std::uint32_t oid,
                                                  long long offset, long long length) {
  auto piece =
      co_await connection.query("SELECT " + piece_sql(std::to_string(oid), offset, length));
  if (!piece) {
    co_return fail(std::move(piece.error()).within("reading large object " + std::to_string(oid)));
  }
  co_return piece->text(0, 0);
}

Task<Result<LargeObjectDigest>> digest_large_object(pg::Connection& connection, std::uint32_t oid) {
  LargeObjectHasher hasher;
  if (auto hashed = co_await hash_rest(connection, oid, hasher, 0); !hashed) {
    co_return fail(hashed.error());
  }
  co_return hasher.digest();
}

Task<Result<std::map<std::uint32_t, LargeObjectDigest>>> digest_large_objects(
    pg::Connection& connection) {
  auto listed =
      co_await connection.query("SELECT oid FROM pg_catalog.pg_largeobject_metadata ORDER BY oid");
  if (!listed) co_return fail(std::move(listed.error()).within("listing large objects"));
  std::vector<std::uint32_t> oids;
  for (int row = 0; row < listed->rows(); ++row) {
    oids.push_back(static_cast<std::uint32_t>(listed->integer(row, 0)));
  }
  std::map<std::uint32_t, LargeObjectDigest> out;
  for (std::size_t first = 0; first < oids.size(); first += kFirstPiecesPerQuery) {
    std::size_t end = std::min(oids.size(), first + kFirstPiecesPerQuery);
    std::string in_list;
    for (std::size_t i = first; i < end; ++i)
      in_list += (i > first ? "," : "") + std::to_string(oids[i]);
    auto pieces = co_await connection.query(
        "SELECT oid, " + piece_sql("oid", 0, kLargeObjectPiece) +
        " FROM pg_catalog.pg_largeobject_metadata WHERE oid IN (" + in_list + ")");
    if (!pieces) co_return fail(std::move(pieces.error()).within("reading large objects"));
    for (int row = 0; row < pieces->rows(); ++row) {
      auto oid = static_cast<std::uint32_t>(pieces->integer(row, 0));
      auto bytes = decode_hex(pieces->text(row, 1));
      if (!bytes)
        co_return fail(std::move(bytes.error()).within("large object " + std::to_string(oid)));
      LargeObjectHasher hasher;
      hasher.update(*bytes);
      if (static_cast<long long>(bytes->size()) == kLargeObjectPiece) {
        if (auto rest = co_await hash_rest(connection, oid, hasher, kLargeObjectPiece); !rest) {
          co_return fail(rest.error());
        }
      }
      out[oid] = hasher.digest();
    }
  }
  co_return out;
}

std::vector<LargeObjectDifference> compare_large_objects(
    const std::map<std::uint32_t, LargeObjectDigest>& source,
    const std::map<std::uint32_t, LargeObjectDigest>& target) {
  std::vector<LargeObjectDifference> out;
  for (const auto& [oid, digest] : source) {
    auto theirs = target.find(oid);
    if (theirs == target.end()) {
      out.push_back({oid, "missing", "not in the target"});
    } else if (theirs->second != digest) {
      out.push_back({oid, "changed",
                     std::to_string(digest.bytes) + " bytes in the source, " +
                         std::to_string(theirs->second.bytes) + " in the target" +
                         (digest.bytes == theirs->second.bytes ? ", contents differ" : "")});
    }
  }
  for (const auto& [oid, digest] : target) {
    if (!source.count(oid)) out.push_back({oid, "extra", "not in the source"});
  }
  return out;
}

ReportTable large_objects_report(std::size_t source_objects, std::size_t target_objects,
                                 std::uint64_t source_bytes,
                                 const std::vector<LargeObjectDifference>& differences,
                                 bool compared) {
  ReportTable table;
  table.schema = "pg_catalog";
  table.name = "pg_largeobject";
  table.rows_source = static_cast<long long>(source_objects);
  table.rows_target = static_cast<long long>(target_objects);
  table.bytes = static_cast<long long>(source_bytes);
  table.chunks_total = 1;
  table.chunks_verified = compared && differences.empty() ? 1 : 0;
  for (const char* kind : {"missing", "extra", "changed"}) {
    std::vector<std::uint32_t> oids;
    std::string first_detail;
    for (const auto& difference : differences) {
      if (difference.kind != kind) continue;
      if (oids.empty()) first_detail = difference.detail;
      oids.push_back(difference.oid);
    }
    if (oids.empty()) continue;
    ReportMismatch mismatch;
    mismatch.chunk = -1;
    mismatch.key_range = "large objects";
    mismatch.kind = kind;
    for (auto oid : oids) mismatch.keys.push_back(std::to_string(oid));
    mismatch.detail = oids.size() == 1
                          ? "large object " + oid_list(oids) + ": " + first_detail
                          : "large objects " + oid_list(oids) + " (" +
                                std::to_string(oids.front()) + ": " + first_detail + ")";
    table.mismatches.push_back(std::move(mismatch));
  }
  return table;
}

}  // namespace pgshift::verify
