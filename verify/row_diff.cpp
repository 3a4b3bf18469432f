#include "verify/row_diff.hpp"

#include <algorithm>

#include "engine/model/pg_quote.hpp"

namespace pgshift::verify {

RowDiff diff_keyed_rows(const KeyedRows& source, const KeyedRows& target) {
  RowDiff diff;
  for (const auto& [key, hash] : source) {
    auto it = target.find(key);
    if (it == target.end()) {
      diff.missing.push_back(key);
    } else if (it->second != hash) {
      diff.changed.push_back(key);
    }
  }
  for (const auto& [key, hash] : target) {
    if (!source.count(key)) diff.extra.push_back(key);
  }
  for (auto* list : {&diff.missing, &diff.extra, &diff.changed}) {
    std::sort(list->begin(), list->end());
  }
  return diff;
}

MultisetDiff diff_multisets(const RowCounts& net) {
  MultisetDiff diff;
  for (const auto& [hash, count] : net) {
    if (count > 0) diff.missing.push_back({hash, count});
    if (count < 0) diff.extra.push_back({hash, -count});
  }
  auto by_hash = [](const auto& a, const auto& b) { return a.first < b.first; };
  std::sort(diff.missing.begin(), diff.missing.end(), by_hash);
  std::sort(diff.extra.begin(), diff.extra.end(), by_hash);
  return diff;
}

std::string display_key(const std::vector<std::string>& values) {
  std::string out = "(";
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + values[i];
  return out + ")";
}

std::string display_value(std::string_view value) {
  bool plain = !value.empty() && value.find_first_of(",()' \"") == std::string_view::npos;
  return plain ? std::string(value) : pg::quote_literal(value);
}

}  // namespace pgshift::verify
