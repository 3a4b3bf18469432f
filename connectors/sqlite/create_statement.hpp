// Reads the parts of SQLite's CREATE TABLE and CREATE INDEX text (from sqlite_master) that its
// PRAGMAs do not report: CHECK constraints and their names, constraint names of PRIMARY KEY,
// UNIQUE and FOREIGN KEY, column collations, generated-column expressions, WITHOUT ROWID / STRICT,
// and an index's column expressions and WHERE clause. Everything the PRAGMAs do report (types, NOT
// NULL, defaults, key columns, foreign keys) is read from them instead. Pure; results own their
// tokens.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "connectors/sqlite/sql_tokens.hpp"

namespace pgshift::sqlite {

struct ParsedCheck {
  std::string name;  // CONSTRAINT name, or empty
  std::vector<Token> expression;
  std::string text;  // the expression as written
};

struct ParsedColumn {
  std::string name;
  std::optional<std::string> collation;
  std::vector<ParsedCheck> checks;
  bool generated = false;
  bool generated_stored = false;
  std::vector<Token> generated_expression;
  std::string generated_text;
};

// FOREIGN KEY (table constraint) or REFERENCES (column constraint), in declaration order. Only
// what names it is read here; its columns and actions come from PRAGMA foreign_key_list.
struct ParsedForeignKey {
  std::string name;  // CONSTRAINT name, or empty
  std::vector<std::string> columns;
  std::string parent;
};

// PRIMARY KEY or UNIQUE, from a column or a table constraint.
struct ParsedKey {
  std::string name;  // CONSTRAINT name, or empty
  bool primary = false;
  std::vector<std::string> columns;
};

struct ParsedTable {
  std::string name;
  std::vector<ParsedColumn> columns;
  std::vector<ParsedCheck> checks;  // table constraints
  std::vector<ParsedKey> keys;
  std::vector<ParsedForeignKey> foreign_keys;
  bool without_rowid = false;
  bool strict = false;
};

Result<ParsedTable> parse_create_table(std::string_view sql);

struct ParsedIndexColumn {
  std::vector<Token> expression;  // a single name token for a plain column
  std::string text;
  std::optional<std::string> collation;
  bool descending = false;
};

struct ParsedIndex {
  std::string name;
  std::string table;
  bool unique = false;
  std::vector<ParsedIndexColumn> columns;
  std::vector<Token> where;  // empty unless partial
  std::string where_text;
};

Result<ParsedIndex> parse_create_index(std::string_view sql);

}  // namespace pgshift::sqlite
