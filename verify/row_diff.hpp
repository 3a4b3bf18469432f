// Row-level differences, pure: keyed rows compared as key -> row hash maps (missing in the
// target, extra in the target, changed), and keyless rows as multisets of row hashes (net count
// per hash). Inputs are bounded by the caller (drill-down narrows ranges first).
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "verify/chunk_digest.hpp"

namespace pgshift::verify {

struct U128Hash {
  std::size_t operator()(u128 value) const {
    return static_cast<std::size_t>(value ^ (value >> 64));
  }
};

using KeyedRows = std::unordered_map<std::string, u128>;  // display key "(1, 'a')" -> row hash

struct RowDiff {
  std::vector<std::string> missing;  // in the source, not in the target
  std::vector<std::string> extra;    // in the target, not in the source
  std::vector<std::string> changed;  // in both, different values
  bool empty() const { return missing.empty() && extra.empty() && changed.empty(); }
};

RowDiff diff_keyed_rows(const KeyedRows& source, const KeyedRows& target);

// Net occurrences per row hash: +1 per source row, -1 per target row.
using RowCounts = std::unordered_map<u128, long long, U128Hash>;
struct MultisetDiff {
  std::vector<std::pair<u128, long long>> missing;  // rows the target lacks (count)
  std::vector<std::pair<u128, long long>> extra;    // rows the target has too many of (count)
};
MultisetDiff diff_multisets(const RowCounts& net);

// "(v1, v2)": how a key is shown; values as PostgreSQL prints them.
std::string display_key(const std::vector<std::string>& values);
// One key value for display_key: as printed when plain, else as a quoted literal.
std::string display_value(std::string_view value);

}  // namespace pgshift::verify
