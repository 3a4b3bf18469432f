// The "changed keys" set of one apply batch: the replica-identity keys (text form, as pgoutput
// sends them) that the batch's inserts, updates and deletes touched, deduplicated, and the tables
// changed as a whole (no usable key, or TRUNCATE), turned into the SQL that records them in
// pgshift.touched_keys in the batch's own target transaction. Cutover re-verifies exactly these
// keys, so its cost grows with the changes, not with the database.
// Pure (no I/O); owned by one applier, one coroutine at a time. A Table reference stays valid for
// the collector's life: the applier keeps one per table shape.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "connectors/pg/replication/lsn.hpp"

namespace pgshift::sync {

// The key recorded for a table changed as a whole ('{}' in pgshift.touched_keys).
inline constexpr std::string_view kWholeTableKey = "{}";

// Appends one element to a PostgreSQL array literal being built ("{" ... "}"): double-quoted with
// '"' and '\' escaped, or NULL for no `value`. Every element is quoted, so equal values always
// give equal literals (the deduplication relies on it).
void append_array_element(std::string& literal, std::optional<std::string_view> value);

class TouchedKeys {
 public:
  struct Table {
    std::string schema;
    std::string name;
    std::unordered_set<std::string> keys;  // text[] literals
    bool whole = false;                    // record '{}'
    bool truncated = false;                // drop the keys recorded before: all are '{}' now
  };

  Table& table(const std::string& schema, const std::string& name);

  // `key_literal`: the key values as a text[] literal (append_array_element).
  void touch(Table& table, std::string key_literal);
  void touch_whole(Table& table);
  void truncate(Table& table);

  // Keys and whole-table marks held.
  std::size_t size() const { return held_; }

  // The statements recording everything held with touched_lsn = `lsn`, one or two per table (no
  // trailing semicolon, usable one by one in a pipeline); then holds nothing.
  std::vector<std::string> take_statements(pg::Lsn lsn);
  // Forgets everything held (the batch was rolled back).
  void clear();

 private:
  std::map<std::pair<std::string, std::string>, std::unique_ptr<Table>> tables_;
  std::size_t held_ = 0;
};

}  // namespace pgshift::sync
