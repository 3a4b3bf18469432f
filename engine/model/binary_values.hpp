// Structure of PostgreSQL binary values that matters for moving them between databases: arrays and
// records embed type OIDs (which differ between databases for user types), and floats have several
// bit patterns for one value (-0.0, NaN). Pure, header-only; shared by the OID remapper and the
// canonical row digest.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>

#include "engine/model/copy_binary.hpp"

namespace pgshift::pg {

enum class ValueKind : std::uint8_t { kScalar, kFloat4, kFloat8, kArray, kRecord };

inline constexpr std::uint32_t kFloat4Oid = 700;
inline constexpr std::uint32_t kFloat8Oid = 701;
inline constexpr std::uint32_t kRecordOid = 2249;
inline constexpr std::uint32_t kFirstNormalOid = 16384;

// What each type OID of one database looks like on the wire (domains resolved to their base).
class TypeShapes {
 public:
  TypeShapes() {
    kinds_[kFloat4Oid] = ValueKind::kFloat4;
    kinds_[kFloat8Oid] = ValueKind::kFloat8;
    kinds_[kRecordOid] = ValueKind::kRecord;
  }
  void set(std::uint32_t oid, ValueKind kind) { kinds_[oid] = kind; }
  ValueKind kind(std::uint32_t oid) const {
    auto it = kinds_.find(oid);
    return it == kinds_.end() ? ValueKind::kScalar : it->second;
  }
  // A domain's base type (followed through domains over domains); any other type is its own.
  void set_base(std::uint32_t domain, std::uint32_t base) { bases_[domain] = base; }
  std::uint32_t base(std::uint32_t oid) const {
    auto it = bases_.find(oid);
    return it == bases_.end() ? oid : it->second;
  }

 private:
  std::unordered_map<std::uint32_t, ValueKind> kinds_;
  std::unordered_map<std::uint32_t, std::uint32_t> bases_;
};

// Walks one binary value of the given kind, calling on_oid(std::byte* slot) for every embedded type
// OID and on_float(std::span<std::byte>) for every float4/float8 inside. Nested arrays/records are
// followed through the OIDs the value itself carries.
template <class OnOid, class OnFloat>
Status walk_value(std::span<std::byte> value, ValueKind kind, const TypeShapes& shapes,
                  OnOid&& on_oid, OnFloat&& on_float, int depth = 0) {
  auto malformed = [](const char* what) {
    return fail(ErrorKind::kRuntime, std::string("binary value: malformed ") + what);
  };
  if (depth > 32) return malformed("nesting");
  switch (kind) {
    case ValueKind::kScalar:
      return {};
    case ValueKind::kFloat4:
      if (value.size() != 4) return malformed("float4");
      on_float(value);
      return {};
    case ValueKind::kFloat8:
      if (value.size() != 8) return malformed("float8");
      on_float(value);
      return {};
    case ValueKind::kArray: {
      if (value.size() < 12) return malformed("array");
      auto dims = static_cast<std::int32_t>(read_u32(value.data()));
      if (dims < 0 || dims > 6) return malformed("array dimensions");
      std::uint32_t element_oid = read_u32(value.data() + 8);
      on_oid(value.data() + 8);
      std::size_t at = 12;
      std::uint64_t elements = dims == 0 ? 0 : 1;
      for (int d = 0; d < dims; ++d) {
        if (at + 8 > value.size()) return malformed("array bounds");
        auto extent = static_cast<std::int32_t>(read_u32(value.data() + at));
        if (extent < 0) return malformed("array extent");
        elements *= static_cast<std::uint64_t>(extent);
        // Every element takes at least its 4-byte length: more than that cannot fit.
        if (elements > value.size() / 4) return malformed("array extent");
        at += 8;
      }
      ValueKind element_kind = shapes.kind(element_oid);
      for (std::uint64_t e = 0; e < elements; ++e) {
        if (at + 4 > value.size()) return malformed("array element");
        auto length = static_cast<std::int32_t>(read_u32(value.data() + at));
        at += 4;
        if (length < 0) continue;
        if (at + static_cast<std::size_t>(length) > value.size()) return malformed("array element");
        if (element_kind != ValueKind::kScalar) {
          if (auto s = walk_value(value.subspan(at, static_cast<std::size_t>(length)), element_kind,
                                  shapes, on_oid, on_float, depth + 1);
              !s) {
            return s;
          }
        }
        at += static_cast<std::size_t>(length);
      }
      if (at != value.size()) return malformed("array length");
      return {};
    }
    case ValueKind::kRecord: {
      if (value.size() < 4) return malformed("record");
      auto fields = static_cast<std::int32_t>(read_u32(value.data()));
      if (fields < 0) return malformed("record field count");
      std::size_t at = 4;
      for (int f = 0; f < fields; ++f) {
        if (at + 8 > value.size()) return malformed("record field");
        std::uint32_t field_oid = read_u32(value.data() + at);
        on_oid(value.data() + at);
        auto length = static_cast<std::int32_t>(read_u32(value.data() + at + 4));
        at += 8;
        if (length < 0) continue;
        if (at + static_cast<std::size_t>(length) > value.size()) return malformed("record field");
        ValueKind field_kind = shapes.kind(field_oid);
        if (field_kind != ValueKind::kScalar) {
          if (auto s = walk_value(value.subspan(at, static_cast<std::size_t>(length)), field_kind,
                                  shapes, on_oid, on_float, depth + 1);
              !s) {
            return s;
          }
        }
        at += static_cast<std::size_t>(length);
      }
      if (at != value.size()) return malformed("record length");
      return {};
    }
  }
  return {};
}

// Source OID -> target OID for user types; built-in OIDs are the same everywhere.
class OidRemap {
 public:
  void add(std::uint32_t from, std::uint32_t to) {
    if (from != to) map_[from] = to;
  }
  bool empty() const { return map_.empty(); }
  std::uint32_t map(std::uint32_t oid) const {
    auto it = map_.find(oid);
    return it == map_.end() ? oid : it->second;
  }

 private:
  std::unordered_map<std::uint32_t, std::uint32_t> map_;
};

}  // namespace pgshift::pg
