#include "engine/sync/touched_keys.hpp"

#include "engine/model/pg_quote.hpp"

namespace pgshift::sync {

void append_array_element(std::string& literal, std::optional<std::string_view> value) {
  if (literal.size() > 1) literal += ',';
  if (!value) {
    literal += "NULL";
    return;
  }
  literal += '"';
  for (char c : *value) {
    if (c == '"' || c == '\\') literal += '\\';
    literal += c;
  }
  literal += '"';
}

TouchedKeys::Table& TouchedKeys::table(const std::string& schema, const std::string& name) {
  auto& slot = tables_[{schema, name}];
  if (!slot) slot = std::make_unique<Table>(Table{schema, name, {}, false, false});
  return *slot;
}

void TouchedKeys::touch(Table& table, std::string key_literal) {
  if (table.keys.insert(std::move(key_literal)).second) ++held_;
}

void TouchedKeys::touch_whole(Table& table) {
  if (!table.whole) ++held_;
  table.whole = true;
}

void TouchedKeys::truncate(Table& table) {
  held_ -= table.keys.size();
  table.keys.clear();
  table.truncated = true;
  touch_whole(table);
}

std::vector<std::string> TouchedKeys::take_statements(pg::Lsn lsn) {
  std::vector<std::string> out;
  for (auto& [name, table] : tables_) {
    std::string where = "schema_name = ";
    where += pg::quote_literal(table->schema);
    where += " AND table_name = ";
    where += pg::quote_literal(table->name);
    if (table->truncated) {
      std::string sql = "DELETE FROM pgshift.touched_keys WHERE ";
      sql += where;
      sql += " AND key <> '{}'";
      out.push_back(std::move(sql));
      sql = "DELETE FROM pgshift.touched_log WHERE ";
      sql += where;
      out.push_back(std::move(sql));
    }
    if (table->keys.empty() && !table->whole) continue;
    // One statement per table: the keys travel as one text[] of text[] literals, each decoded by
    // the server (k::text[]).
    std::string keys = "{";
    for (const auto& key : table->keys) append_array_element(keys, key);
    if (table->whole) append_array_element(keys, kWholeTableKey);
    keys += '}';
    // One row, no index: a unique index took a row per key per batch (25-35% of apply
    // throughput); the check folds the log into touched_keys when it runs.
    std::string sql = "INSERT INTO pgshift.touched_log VALUES (";
    sql += pg::quote_literal(table->schema);
    sql += ", ";
    sql += pg::quote_literal(table->name);
    sql += ", ";
    sql += pg::quote_literal(keys);
    sql += "::text[], ";
    sql += pg::quote_literal(lsn.text());
    sql += "::pg_lsn)";
    out.push_back(std::move(sql));
  }
  clear();
  return out;
}

void TouchedKeys::clear() {
  for (auto& [name, table] : tables_) {
    table->keys.clear();
    table->whole = false;
    table->truncated = false;
  }
  held_ = 0;
}

}  // namespace pgshift::sync
