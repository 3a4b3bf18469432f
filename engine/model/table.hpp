// The source-agnostic description of what is moved: tables, their columns and keys, and chunks
// (key ranges or page ranges). Connectors fill it from a catalog; the planner and workers read it.
// Plain values, copied freely.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/model/binary_values.hpp"

namespace pgshift {

struct Column {
  std::string name;
  std::uint32_t type_oid = 0;
  std::string type_sql;  // format_type(): how to write the type in a cast
  pg::ValueKind kind = pg::ValueKind::kScalar;
  bool generated = false;  // recomputed by the target, never copied
  // Keys of a collatable type are compared in COLLATE "C" on both sides: the two databases'
  // default collations may differ, and a chunk must name the same rows on both.
  bool collatable = false;
  bool binary_io = true;            // the type has binary send/receive functions
  std::uint32_t base_type_oid = 0;  // a domain's base type, where known (verify sets it); else 0
};

struct Table {
  std::uint32_t oid = 0;
  std::string schema;
  std::string name;
  bool partitioned_parent = false;  // holds no rows itself; its leaves are copied
  bool is_partition = false;
  std::int64_t bytes = 0;  // heap + TOAST
  std::int64_t index_bytes = 0;
  double estimated_rows = 0;
  std::int64_t pages = 0;
  std::vector<Column> columns;   // every live column, in attnum order
  std::vector<std::size_t> key;  // indexes into columns; empty when keyless
  std::string key_name;          // the constraint or index providing the key

  bool keyless() const { return key.empty(); }
  std::vector<const Column*> copied_columns() const {
    std::vector<const Column*> out;
    for (const auto& column : columns) {
      if (!column.generated) out.push_back(&column);
    }
    return out;
  }
};

// One key value per key column, in their text form; a chunk's bounds.
using KeyValue = std::vector<std::string>;

struct Chunk {
  std::size_t table_index = 0;  // into the plan's tables
  int number = 0;
  std::optional<KeyValue> lower;           // inclusive; none = from the start
  std::optional<KeyValue> upper;           // exclusive; none = to the end
  std::optional<std::int64_t> first_page;  // keyless tables: ctid page range
  std::optional<std::int64_t> end_page;    // exclusive; none = to the end (relpages is an estimate)
  std::int64_t estimated_bytes = 0;

  bool whole_table() const { return !lower && !upper && !first_page && !end_page; }
};

// "[(100), (200))", "pages [0, 128)", "whole table": how reports name a chunk's range.
std::string describe_key_range(const Chunk& chunk);

}  // namespace pgshift
