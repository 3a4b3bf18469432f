#include "connectors/sqlite/create_statement.hpp"

namespace pgshift::sqlite {
namespace {

Unexpected<Error> malformed(const std::string& what) {
  return fail(ErrorKind::kRuntime, "cannot read SQLite schema SQL: " + what);
}

bool keyword_at(std::span<const Token> tokens, std::size_t at, std::string_view word) {
  return at < tokens.size() && is_keyword(tokens[at], word);
}

// Skips "CREATE [TEMP|TEMPORARY] <what> [IF NOT EXISTS]" and returns the index after it.
Result<std::size_t> skip_create(std::span<const Token> tokens, std::string_view what,
                                bool& unique) {
  std::size_t at = 0;
  if (!keyword_at(tokens, at++, "CREATE")) return malformed("expected CREATE");
  if (keyword_at(tokens, at, "TEMP") || keyword_at(tokens, at, "TEMPORARY")) ++at;
  unique = keyword_at(tokens, at, "UNIQUE");
  if (unique) ++at;
  if (!keyword_at(tokens, at++, what)) return malformed("expected " + std::string(what));
  if (keyword_at(tokens, at, "IF")) {
    if (!keyword_at(tokens, at + 1, "NOT") || !keyword_at(tokens, at + 2, "EXISTS")) {
      return malformed("expected IF NOT EXISTS");
    }
    at += 3;
  }
  return at;
}

// Reads [schema.]name at `at`; returns the last part.
Result<std::string> qualified_name(std::span<const Token> tokens, std::size_t& at) {
  if (at >= tokens.size() || !is_name(tokens[at])) return malformed("expected a name");
  std::string name = tokens[at++].text;
  while (at + 1 < tokens.size() && is_punctuation(tokens[at], '.') && is_name(tokens[at + 1])) {
    name = tokens[at + 1].text;
    at += 2;
  }
  return name;
}

std::vector<Token> copy_tokens(std::span<const Token> tokens) {
  return std::vector<Token>(tokens.begin(), tokens.end());
}

bool column_constraint_start(const Token& token) {
  for (std::string_view word : {"CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK",
                                "DEFAULT", "COLLATE", "REFERENCES", "GENERATED", "AS"}) {
    if (is_keyword(token, word)) return true;
  }
  return false;
}

// The names of a PRIMARY KEY/UNIQUE column list: "(a COLLATE NOCASE, b DESC)".
std::vector<std::string> key_columns(std::span<const Token> list) {
  std::vector<std::string> out;
  for (auto part : split_top_level(list)) {
    if (!part.empty() && is_name(part[0])) out.push_back(part[0].text);
  }
  return out;
}

// Skips a foreign-key clause after REFERENCES; returns the index after it.
std::size_t skip_references(std::span<const Token> tokens, std::size_t at) {
  if (at < tokens.size() && is_name(tokens[at])) ++at;
  if (at < tokens.size() && is_punctuation(tokens[at], '(')) {
    std::size_t close = at;
    if (parenthesized(tokens, at, close)) at = close + 1;
  }
  while (at < tokens.size()) {
    if (keyword_at(tokens, at, "ON")) {
      at += 2;  // ON DELETE|UPDATE
      if (keyword_at(tokens, at, "SET") || keyword_at(tokens, at, "NO")) {
        at += 2;  // SET NULL, SET DEFAULT, NO ACTION
      } else {
        ++at;  // CASCADE, RESTRICT
      }
    } else if (keyword_at(tokens, at, "MATCH")) {
      at += 2;
    } else if (keyword_at(tokens, at, "NOT") && keyword_at(tokens, at + 1, "DEFERRABLE")) {
      at += 2;
    } else if (keyword_at(tokens, at, "DEFERRABLE")) {
      ++at;
    } else if (keyword_at(tokens, at, "INITIALLY")) {
      at += 2;
    } else {
      break;
    }
  }
  return at;
}

std::size_t skip_conflict_clause(std::span<const Token> tokens, std::size_t at) {
  if (keyword_at(tokens, at, "ON") && keyword_at(tokens, at + 1, "CONFLICT")) return at + 3;
  return at;
}

Result<ParsedCheck> read_check(std::string_view sql, std::span<const Token> tokens, std::size_t& at,
                               std::string name) {
  std::size_t close = at;
  auto inside = parenthesized(tokens, at, close);
  if (!inside) return malformed("CHECK without a parenthesized expression");
  at = close + 1;
  return ParsedCheck{std::move(name), copy_tokens(*inside), std::string(source_text(sql, *inside))};
}

Status read_column(std::string_view sql, std::span<const Token> part, ParsedTable& table) {
  if (part.empty() || !is_name(part[0])) return malformed("expected a column name");
  ParsedColumn column;
  column.name = part[0].text;
  std::size_t at = 1;
  int depth = 0;
  while (at < part.size() && (depth > 0 || !column_constraint_start(part[at]))) {
    if (is_punctuation(part[at], '(')) ++depth;
    if (is_punctuation(part[at], ')')) --depth;
    ++at;
  }
  std::string pending_name;
  while (at < part.size()) {
    const Token& token = part[at];
    if (is_keyword(token, "CONSTRAINT")) {
      if (at + 1 >= part.size()) return malformed("CONSTRAINT without a name");
      pending_name = part[at + 1].text;
      at += 2;
      continue;
    }
    if (is_keyword(token, "PRIMARY") && keyword_at(part, at + 1, "KEY")) {
      table.keys.push_back(ParsedKey{pending_name, true, {column.name}});
      at += 2;
      if (keyword_at(part, at, "ASC") || keyword_at(part, at, "DESC")) ++at;
      at = skip_conflict_clause(part, at);
      if (keyword_at(part, at, "AUTOINCREMENT")) ++at;
    } else if (is_keyword(token, "NOT") && keyword_at(part, at + 1, "NULL")) {
      at = skip_conflict_clause(part, at + 2);
    } else if (is_keyword(token, "NULL")) {
      ++at;
    } else if (is_keyword(token, "UNIQUE")) {
      table.keys.push_back(ParsedKey{pending_name, false, {column.name}});
      at = skip_conflict_clause(part, at + 1);
    } else if (is_keyword(token, "CHECK")) {
      ++at;
      auto check = read_check(sql, part, at, pending_name);
      if (!check) return fail(check.error());
      column.checks.push_back(std::move(*check));
    } else if (is_keyword(token, "DEFAULT")) {
      ++at;
      if (at < part.size() && is_punctuation(part[at], '(')) {
        std::size_t close = at;
        if (!parenthesized(part, at, close)) return malformed("unbalanced DEFAULT");
        at = close + 1;
      } else if (at < part.size() && part[at].kind == Token::Kind::kOperator) {
        at += 2;  // signed number
      } else {
        ++at;
      }
    } else if (is_keyword(token, "COLLATE")) {
      if (at + 1 >= part.size()) return malformed("COLLATE without a name");
      column.collation = part[at + 1].text;
      at += 2;
    } else if (is_keyword(token, "REFERENCES")) {
      if (at + 1 < part.size() && is_name(part[at + 1])) {
        table.foreign_keys.push_back(
            ParsedForeignKey{pending_name, {column.name}, part[at + 1].text});
      }
      at = skip_references(part, at + 1);
    } else if (is_keyword(token, "GENERATED") || is_keyword(token, "AS")) {
      if (is_keyword(token, "GENERATED")) {
        if (!keyword_at(part, at + 1, "ALWAYS") || !keyword_at(part, at + 2, "AS")) {
          return malformed("expected GENERATED ALWAYS AS");
        }
        at += 2;
      }
      ++at;  // AS
      std::size_t close = at;
      auto inside = parenthesized(part, at, close);
      if (!inside) return malformed("generated column without an expression");
      column.generated = true;
      column.generated_expression = copy_tokens(*inside);
      column.generated_text = std::string(source_text(sql, *inside));
      at = close + 1;
      if (keyword_at(part, at, "STORED")) {
        column.generated_stored = true;
        ++at;
      } else if (keyword_at(part, at, "VIRTUAL")) {
        ++at;
      }
    } else {
      ++at;  // something this reader does not need
    }
    pending_name.clear();
  }
  table.columns.push_back(std::move(column));
  return {};
}

Status read_table_constraint(std::string_view sql, std::span<const Token> part,
                             ParsedTable& table) {
  std::size_t at = 0;
  std::string name;
  if (keyword_at(part, at, "CONSTRAINT")) {
    if (part.size() < 2) return malformed("CONSTRAINT without a name");
    name = part[1].text;
    at = 2;
  }
  if (keyword_at(part, at, "PRIMARY") || keyword_at(part, at, "UNIQUE")) {
    bool primary = keyword_at(part, at, "PRIMARY");
    at += primary ? 2 : 1;
    std::size_t close = at;
    auto inside = parenthesized(part, at, close);
    if (!inside) return malformed("key without a column list");
    table.keys.push_back(ParsedKey{name, primary, key_columns(*inside)});
  } else if (keyword_at(part, at, "CHECK")) {
    ++at;
    auto check = read_check(sql, part, at, name);
    if (!check) return fail(check.error());
    table.checks.push_back(std::move(*check));
  } else if (keyword_at(part, at, "FOREIGN") && keyword_at(part, at + 1, "KEY")) {
    at += 2;
    std::size_t close = at;
    auto inside = parenthesized(part, at, close);
    if (!inside) return malformed("FOREIGN KEY without a column list");
    at = close + 1;
    if (!keyword_at(part, at, "REFERENCES") || at + 1 >= part.size() || !is_name(part[at + 1])) {
      return malformed("FOREIGN KEY without REFERENCES");
    }
    table.foreign_keys.push_back(ParsedForeignKey{name, key_columns(*inside), part[at + 1].text});
  }
  return {};  // the rest of a foreign key comes from PRAGMA foreign_key_list
}

bool table_constraint_start(const Token& token) {
  return is_keyword(token, "CONSTRAINT") || is_keyword(token, "PRIMARY") ||
         is_keyword(token, "UNIQUE") || is_keyword(token, "CHECK") || is_keyword(token, "FOREIGN");
}

}  // namespace

Result<ParsedTable> parse_create_table(std::string_view sql) {
  auto tokens = tokenize_sql(sql);
  if (!tokens) return malformed(tokens.error().message);
  std::span<const Token> all(*tokens);
  bool unique = false;
  auto at = skip_create(all, "TABLE", unique);
  if (!at) return fail(at.error());
  ParsedTable table;
  auto name = qualified_name(all, *at);
  if (!name) return fail(name.error());
  table.name = *name;
  std::size_t close = *at;
  auto body = parenthesized(all, *at, close);
  if (!body) return malformed("CREATE TABLE without a column list");
  for (auto part : split_top_level(*body)) {
    if (part.empty()) continue;
    Status read = table_constraint_start(part[0]) ? read_table_constraint(sql, part, table)
                                                  : read_column(sql, part, table);
    if (!read) return fail(read.error());
  }
  for (std::size_t i = close + 1; i < all.size(); ++i) {
    if (is_keyword(all[i], "ROWID") && i > 0 && is_keyword(all[i - 1], "WITHOUT")) {
      table.without_rowid = true;
    }
    if (is_keyword(all[i], "STRICT")) table.strict = true;
  }
  return table;
}

Result<ParsedIndex> parse_create_index(std::string_view sql) {
  auto tokens = tokenize_sql(sql);
  if (!tokens) return malformed(tokens.error().message);
  std::span<const Token> all(*tokens);
  ParsedIndex index;
  auto at = skip_create(all, "INDEX", index.unique);
  if (!at) return fail(at.error());
  auto name = qualified_name(all, *at);
  if (!name) return fail(name.error());
  index.name = *name;
  if (!keyword_at(all, (*at)++, "ON")) return malformed("expected ON");
  auto table = qualified_name(all, *at);
  if (!table) return fail(table.error());
  index.table = *table;
  std::size_t close = *at;
  auto list = parenthesized(all, *at, close);
  if (!list) return malformed("index without a column list");
  for (auto part : split_top_level(*list)) {
    ParsedIndexColumn column;
    std::size_t end = part.size();
    if (end > 0 && (is_keyword(part[end - 1], "ASC") || is_keyword(part[end - 1], "DESC"))) {
      column.descending = is_keyword(part[end - 1], "DESC");
      --end;
    }
    if (end >= 2 && is_keyword(part[end - 2], "COLLATE")) {
      column.collation = part[end - 1].text;
      end -= 2;
    }
    if (end == 0) return malformed("empty index column");
    column.expression = copy_tokens(part.subspan(0, end));
    column.text = std::string(source_text(sql, part.subspan(0, end)));
    index.columns.push_back(std::move(column));
  }
  std::size_t after = close + 1;
  if (keyword_at(all, after, "WHERE")) {
    auto where = all.subspan(after + 1);
    if (!where.empty() && is_punctuation(where.back(), ';')) where = where.first(where.size() - 1);
    index.where = copy_tokens(where);
    index.where_text = std::string(source_text(sql, where));
  }
  return index;
}

}  // namespace pgshift::sqlite
