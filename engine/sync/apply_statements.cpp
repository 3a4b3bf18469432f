#include "engine/sync/apply_statements.hpp"

#include "engine/model/pg_quote.hpp"

namespace pgshift::sync {
namespace {

std::string parameter(int number) {
  // Appended, not "$" + to_string(): GCC 12 warns (-Wrestrict, a false positive) on that form.
  std::string out = "$";
  out += std::to_string(number);
  return out;
}

// "a = $1, b = $2" style lists over the named columns; `next` numbers the parameters.
template <class Format>
std::string join_columns(const ApplyTable& table, const ColumnSet& columns, std::string_view glue,
                         Format format) {
  std::string out;
  for (std::size_t i = 0; i < table.columns.size(); ++i) {
    if (!columns[i]) continue;
    if (!out.empty()) out += glue;
    out += format(table.columns[i]);
  }
  return out;
}

ColumnSet key_columns(const ApplyTable& table) {
  ColumnSet key(table.columns.size());
  for (std::size_t i = 0; i < table.columns.size(); ++i) key[i] = table.columns[i].key;
  return key;
}

std::string key_condition(const ApplyTable& table, int& next) {
  return join_columns(table, key_columns(table), " AND ", [&](const ApplyColumn& column) {
    return pg::quote_identifier(column.name) + " = " + parameter(next++);
  });
}

std::string set_list(const ApplyTable& table, const ColumnSet& set, int& next) {
  return join_columns(table, set, ", ", [&](const ApplyColumn& column) {
    return pg::quote_identifier(column.name) + " = " + parameter(next++);
  });
}

// The ctid of one row equal to the old row: `WHERE ctid = (...)` changes exactly one row even
// among duplicates, which is what one change on a keyless (REPLICA IDENTITY FULL) table did.
std::string one_matching_row(const ApplyTable& table, const ColumnSet& match, int& next) {
  std::string condition = join_columns(table, match, " AND ", [&](const ApplyColumn& column) {
    auto name = pg::quote_identifier(column.name);
    auto value = parameter(next++);
    if (column.has_equality) return name + " IS NOT DISTINCT FROM " + value;
    return name + "::text IS NOT DISTINCT FROM " + value + "::text";
  });
  if (condition.empty()) condition = "true";
  return "ctid = (SELECT ctid FROM " + table.qualified_name() + " WHERE " + condition + " LIMIT 1)";
}

}  // namespace

std::string ApplyTable::qualified_name() const {
  return pg::quote_identifier(schema) + "." + pg::quote_identifier(name);
}

bool ApplyTable::keyed() const {
  for (const auto& column : columns) {
    if (column.key) return true;
  }
  return false;
}

std::string insert_sql(const ApplyTable& table, const ColumnSet& columns) {
  int next = 1;
  return "INSERT INTO " + table.qualified_name() + " (" +
         join_columns(table, columns, ", ",
                      [](const ApplyColumn& column) { return pg::quote_identifier(column.name); }) +
         ") VALUES (" +
         join_columns(table, columns, ", ", [&](const ApplyColumn&) { return parameter(next++); }) +
         ")";
}

std::string upsert_sql(const ApplyTable& table, const ColumnSet& columns, bool report_inserted) {
  ColumnSet non_key(columns.size());
  for (std::size_t i = 0; i < columns.size(); ++i) {
    non_key[i] = columns[i] && !table.columns[i].key;
  }
  std::string key_list = join_columns(table, key_columns(table), ", ", [](const ApplyColumn& c) {
    return pg::quote_identifier(c.name);
  });
  std::string updates = join_columns(table, non_key, ", ", [](const ApplyColumn& column) {
    auto name = pg::quote_identifier(column.name);
    return name + " = EXCLUDED." + name;
  });
  std::string sql = insert_sql(table, columns) + " ON CONFLICT (" + key_list + ") DO " +
                    (updates.empty() ? "NOTHING" : "UPDATE SET " + updates);
  // A row inserted by this statement has no xmax; one updated by ON CONFLICT carries the locking
  // transaction's. That tells an update that found its row from one that had to recreate it.
  if (report_inserted) sql += " RETURNING (xmax = 0)";
  return sql;
}

std::string insert_rows_sql(const ApplyTable& table, bool upsert, bool report_inserted) {
  ColumnSet every(table.columns.size(), true);
  std::string sql =
      "INSERT INTO " + table.qualified_name() + " (" +
      join_columns(table, every, ", ",
                   [](const ApplyColumn& c) { return pg::quote_identifier(c.name); }) +
      ") SELECT * FROM unnest(";
  for (std::size_t i = 0; i < table.columns.size(); ++i) {
    sql += (i > 0 ? ", $" : "$") + std::to_string(i + 1);
  }
  sql += ")";
  if (upsert) {
    std::string statement = upsert_sql(table, every, report_inserted);
    sql += statement.substr(statement.find(" ON CONFLICT"));
  } else if (report_inserted) {
    sql += " RETURNING (xmax = 0)";
  }
  return sql;
}

void append_array_element(std::string& array, const char* value) {
  if (array.empty()) {
    array.push_back('{');
  } else {
    array.back() = ',';  // the closing brace of the array so far
  }
  if (value == nullptr) {
    array += "NULL";
  } else {
    array.push_back('"');
    for (const char* c = value; *c != '\0'; ++c) {
      if (*c == '"' || *c == '\\') array.push_back('\\');
      array.push_back(*c);
    }
    array.push_back('"');
  }
  array.push_back('}');
}

std::string update_by_key_sql(const ApplyTable& table, const ColumnSet& set) {
  int next = 1;
  std::string sets = set_list(table, set, next);
  return "UPDATE " + table.qualified_name() + " SET " + sets + " WHERE " +
         key_condition(table, next);
}

std::string delete_by_key_sql(const ApplyTable& table) {
  int next = 1;
  return "DELETE FROM " + table.qualified_name() + " WHERE " + key_condition(table, next);
}

std::string update_one_row_sql(const ApplyTable& table, const ColumnSet& set,
                               const ColumnSet& match) {
  int next = 1;
  std::string sets = set_list(table, set, next);
  return "UPDATE " + table.qualified_name() + " SET " + sets + " WHERE " +
         one_matching_row(table, match, next);
}

std::string delete_one_row_sql(const ApplyTable& table, const ColumnSet& match) {
  int next = 1;
  return "DELETE FROM " + table.qualified_name() + " WHERE " + one_matching_row(table, match, next);
}

std::string truncate_sql(const std::vector<std::string>& qualified_names, bool cascade,
                         bool restart_identity) {
  std::string sql = "TRUNCATE ONLY ";
  for (std::size_t i = 0; i < qualified_names.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += qualified_names[i];
  }
  if (restart_identity) sql += " RESTART IDENTITY";
  if (cascade) sql += " CASCADE";
  return sql;
}

std::string statement_sql(const ApplyTable& table, StatementKind kind, const ColumnSet& set,
                          const ColumnSet& match) {
  switch (kind) {
    case StatementKind::kInsert:
      return insert_sql(table, set);
    case StatementKind::kUpsert:
      return upsert_sql(table, set, false);
    case StatementKind::kUpsertReporting:
      return upsert_sql(table, set, true);
    case StatementKind::kUpdateByKey:
      return update_by_key_sql(table, set);
    case StatementKind::kDeleteByKey:
      return delete_by_key_sql(table);
    case StatementKind::kUpdateOneRow:
      return update_one_row_sql(table, set, match);
    case StatementKind::kDeleteOneRow:
      break;
  }
  return delete_one_row_sql(table, match);
}

std::string statement_label(const ApplyTable& table, StatementKind kind) {
  switch (kind) {
    case StatementKind::kInsert:
    case StatementKind::kUpsert:
      return "insert into " + table.qualified_name();
    case StatementKind::kUpsertReporting:
    case StatementKind::kUpdateByKey:
    case StatementKind::kUpdateOneRow:
      return "update of " + table.qualified_name();
    case StatementKind::kDeleteByKey:
    case StatementKind::kDeleteOneRow:
      break;
  }
  return "delete from " + table.qualified_name();
}

}  // namespace pgshift::sync
