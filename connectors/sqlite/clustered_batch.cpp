#include "connectors/sqlite/clustered_batch.hpp"

#include <algorithm>
#include <cstring>

namespace pgshift::sqlite {
namespace {

struct FieldView {
  const std::byte* data = nullptr;
  std::int32_t length = -1;  // -1: NULL
};

std::uint32_t read_u32(const std::byte* at) {
  return (std::to_integer<std::uint32_t>(at[0]) << 24) |
         (std::to_integer<std::uint32_t>(at[1]) << 16) |
         (std::to_integer<std::uint32_t>(at[2]) << 8) | std::to_integer<std::uint32_t>(at[3]);
}

// Field `position` of a tuple the encoder wrote (16-bit count, then length-prefixed fields).
FieldView field_at(const std::byte* tuple, std::size_t position) {
  const std::byte* at = tuple + 2;
  for (std::size_t i = 0;; ++i) {
    auto length = static_cast<std::int32_t>(read_u32(at));
    if (i == position) return FieldView{at + 4, length};
    at += 4 + (length > 0 ? length : 0);
  }
}

std::int64_t signed_value(const FieldView& field) {
  std::uint64_t raw = 0;
  for (std::int32_t i = 0; i < field.length; ++i) {
    raw = (raw << 8) | std::to_integer<std::uint64_t>(field.data[i]);
  }
  // Sign-extend from the field's width (2, 4 or 8 bytes).
  int shift = 64 - 8 * field.length;
  if (shift <= 0) return static_cast<std::int64_t>(raw);
  return static_cast<std::int64_t>(raw << shift) >> shift;
}

// Below zero, zero or above: a before b, equal, after. NULL sorts last, as in an ASC index.
int compare_fields(const FieldView& a, const FieldView& b, FieldOrder order) {
  if (a.length < 0 || b.length < 0) return (a.length < 0) - (b.length < 0);
  if (order == FieldOrder::kSignedBigEndian) {
    std::int64_t x = signed_value(a), y = signed_value(b);
    return (x > y) - (x < y);
  }
  auto common = static_cast<std::size_t>(std::min(a.length, b.length));
  if (int bytes = common == 0 ? 0 : std::memcmp(a.data, b.data, common); bytes != 0) return bytes;
  return (a.length > b.length) - (a.length < b.length);
}

std::optional<FieldOrder> order_of(TargetKind kind) {
  switch (kind) {
    case TargetKind::kInt2:
    case TargetKind::kInt4:
    case TargetKind::kInt8:
    case TargetKind::kDate:
    case TargetKind::kTimestamp:
    case TargetKind::kTimestamptz:
      return FieldOrder::kSignedBigEndian;
    case TargetKind::kText:
    case TargetKind::kVarchar:
      return FieldOrder::kText;
    case TargetKind::kBytea:
    case TargetKind::kUuid:
    case TargetKind::kBool:
      return FieldOrder::kBytes;
    default:
      return std::nullopt;  // floats, numeric, json: their binary forms do not sort
  }
}

}  // namespace

const CatalogIndex* first_plain_index(const SourceTable& source) {
  for (const CatalogIndex& index : source.indexes) {
    if (!index.partial && !index.columns.empty()) return &index;
  }
  return nullptr;
}

std::optional<std::vector<ClusterField>> cluster_key(const SourceTable& source,
                                                     std::span<const std::size_t> copied) {
  // The first index decides: a later one would cluster the table on what it is not read by.
  const CatalogIndex* index = first_plain_index(source);
  if (!index) return std::nullopt;
  std::vector<ClusterField> key;
  for (const std::string& name : index->columns) {
    auto column = std::find_if(source.columns.begin(), source.columns.end(),
                               [&](const SourceColumn& c) { return c.name == name; });
    if (name.empty() || column == source.columns.end()) break;  // an expression
    auto index_in_source = static_cast<std::size_t>(column - source.columns.begin());
    auto position = std::find(copied.begin(), copied.end(), index_in_source);
    auto order = order_of(column->target.type.kind);
    if (position == copied.end() || !order) break;
    key.push_back(ClusterField{static_cast<std::size_t>(position - copied.begin()), *order});
  }
  if (key.empty()) return std::nullopt;
  return key;
}

void ClusteredBatch::set_prefix(Entry& entry, int slot, const std::byte* tuple) const {
  const ClusterField& field = key_[static_cast<std::size_t>(slot)];
  FieldView value = field_at(tuple, field.position);
  std::uint8_t bit = static_cast<std::uint8_t>(1u << slot);
  std::uint64_t prefix = 0;
  bool exact = true;
  if (value.length < 0) {
    entry.nulls |= bit;
  } else if (field.order == FieldOrder::kSignedBigEndian) {
    // Flipping the sign bit makes the unsigned order the signed one.
    prefix = static_cast<std::uint64_t>(signed_value(value)) ^ (std::uint64_t{1} << 63);
  } else {
    auto length = static_cast<std::size_t>(value.length);
    // Text holds no NUL, so zero padding sorts a shorter text first and eight bytes are exact;
    // other bytes keep seven, then the length (capped), which does the same.
    std::size_t kept = field.order == FieldOrder::kText ? 8 : 7;
    for (std::size_t i = 0; i < kept; ++i) {
      prefix = (prefix << 8) | (i < length ? std::to_integer<std::uint64_t>(value.data[i]) : 0);
    }
    if (kept == 7) prefix = (prefix << 8) | std::min<std::uint64_t>(length, 255);
    exact = length <= kept;
  }
  entry.prefix[slot] = prefix;
  if (exact) entry.exact |= bit;
}

void ClusteredBatch::index(std::size_t start) {
  Entry entry;
  entry.offset = static_cast<std::uint32_t>(start);
  entry.size = static_cast<std::uint32_t>(rows_.size() - start);
  const std::byte* tuple = rows_.data() + start;
  for (int slot = 0; slot < 2 && static_cast<std::size_t>(slot) < key_.size(); ++slot) {
    set_prefix(entry, slot, tuple);
  }
  entries_.push_back(entry);
}

bool ClusteredBatch::before(const Entry& a, const Entry& b) const {
  std::size_t fields = key_.size();
  for (std::size_t k = 0; k < fields; ++k) {
    if (k < 2) {
      auto bit = static_cast<std::uint8_t>(1u << k);
      bool a_null = a.nulls & bit, b_null = b.nulls & bit;
      if (a_null != b_null) return b_null;
      if (a_null) continue;
      if (a.prefix[k] != b.prefix[k]) return a.prefix[k] < b.prefix[k];
      if ((a.exact & b.exact & bit) != 0) continue;
    }
    int order = compare_fields(field_at(rows_.data() + a.offset, key_[k].position),
                               field_at(rows_.data() + b.offset, key_[k].position), key_[k].order);
    if (order != 0) return order < 0;
  }
  return false;
}

ClusteredBatch::ClusteredBatch(std::vector<ClusterField> key, std::size_t byte_cap)
    : key_(std::move(key)), byte_cap_(byte_cap) {
  rows_.reserve(byte_cap_);
  entries_.reserve(byte_cap_ / (sizeof(Entry) + kMinTuple));
}

void ClusteredBatch::restart(std::vector<ClusterField> key, std::size_t byte_cap) {
  key_ = std::move(key);
  byte_cap_ = byte_cap;
  rows_.clear();
  entries_.clear();
  next_ = 0;
}

bool ClusteredBatch::full() const {
  return rows_.size() + entries_.size() * sizeof(Entry) >= byte_cap_;
}

void ClusteredBatch::sort() {
  // Most comparisons end on the prefixes: the first differs, or it is exact on both sides and
  // the second decides. Only those that do not go to before(), which reads the tuples.
  const bool two_fields = key_.size() == 2;
  auto ordered = [this, two_fields](const Entry& a, const Entry& b) {
    if ((a.nulls | b.nulls) == 0) {
      if (a.prefix[0] != b.prefix[0]) return a.prefix[0] < b.prefix[0];
      if ((a.exact & b.exact & 1) != 0) {
        if (key_.size() == 1) return false;
        if (a.prefix[1] != b.prefix[1]) return a.prefix[1] < b.prefix[1];
        if (two_fields && (a.exact & b.exact & 2) != 0) return false;
      }
    }
    return before(a, b);
  };
  std::sort(entries_.begin() + static_cast<std::ptrdiff_t>(next_), entries_.end(), ordered);
}

void ClusteredBatch::drain(std::vector<std::byte>& out, std::size_t want) {
  std::size_t goal = out.size() + want;
  while (next_ < entries_.size() && out.size() < goal) {
    const Entry& entry = entries_[next_++];
    const std::byte* tuple = rows_.data() + entry.offset;
    out.insert(out.end(), tuple, tuple + entry.size);
  }
  if (next_ == entries_.size()) {
    rows_.clear();
    entries_.clear();
    next_ = 0;
  }
}

}  // namespace pgshift::sqlite
