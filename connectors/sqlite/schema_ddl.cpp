#include "connectors/sqlite/schema_ddl.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "connectors/sqlite/default_value.hpp"
#include "connectors/sqlite/sql_expression.hpp"
#include "connectors/sqlite/utf8.hpp"
#include "engine/core/ascii_text.hpp"
#include "engine/model/pg_quote.hpp"

namespace pgshift::sqlite {
namespace {

constexpr std::size_t kMaxIdentifierBytes = 63;  // NAMEDATALEN - 1

std::string quote(std::string_view name) {
  return pg::quote_identifier(name);
}

// A name no longer than PostgreSQL keeps and not yet in `used` (PostgreSQL's "1", "2" suffixes).
std::string unique_name(const std::string& wanted, std::set<std::string>& used) {
  for (int attempt = 0;; ++attempt) {
    std::string suffix = attempt == 0 ? "" : std::to_string(attempt);
    std::string name =
        std::string(utf8_prefix(wanted, kMaxIdentifierBytes - suffix.size())) + suffix;
    if (used.insert(name).second) return name;
  }
}

std::string joined(const std::vector<std::string>& names, std::string_view separator) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : std::string(separator)) + name;
  return out;
}

std::string column_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + quote(name);
  return out;
}

const SourceColumn* find_column(const SourceTable& table, std::string_view name) {
  for (const auto& column : table.columns) {
    if (iequals(column.name, name)) return &column;
  }
  return nullptr;
}

ExprContext context_for(const SourceTable& table, bool for_index) {
  ExprContext context;
  context.for_index = for_index;
  for (const auto& column : table.columns) {
    context.columns.push_back(ExprColumn{column.name, column.target.type.kind});
  }
  return context;
}

bool same_columns(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.size() != b.size()) return false;
  std::set<std::string> left, right;
  for (const auto& name : a) left.insert(ascii_lower(name));
  for (const auto& name : b) right.insert(ascii_lower(name));
  return left == right;
}

bool binary_collation(const std::string& collation) {
  return collation.empty() || iequals(collation, "BINARY");
}

class DdlBuilder {
 public:
  DdlBuilder(SqliteSchema& schema, const SchemaOptions& options)
      : schema_(schema), options_(options) {
    for (const auto& source : schema_.sources) {
      relation_names_.insert(source.name);
      for (const auto& index : source.indexes) {
        if (index.origin == "c") relation_names_.insert(index.name);
      }
    }
  }

  void build() {
    constraint_names_.resize(schema_.sources.size());
    for (std::size_t i = 0; i < schema_.sources.size(); ++i) {
      table_ = i;
      decide_generated_columns();
      create_table();
      keys_and_indexes();
      identity_sequence();
    }
    for (std::size_t i = 0; i < schema_.sources.size(); ++i) {
      table_ = i;
      foreign_keys();
    }
  }

 private:
  SourceTable& source() { return schema_.sources[table_]; }
  Table& model() { return schema_.tables[table_]; }
  std::string qualified(const std::string& name) const {
    return quote(options_.target_schema) + "." + quote(name);
  }
  // Once: a CHECK that uses LIKE twice yields the same note twice, and people read each line.
  void warn(const std::string& message) {
    std::string line = "table " + source().name + ": " + message;
    if (std::find(schema_.warnings.begin(), schema_.warnings.end(), line) ==
        schema_.warnings.end()) {
      schema_.warnings.push_back(std::move(line));
    }
  }
  void notes(const std::string& what, const std::vector<std::string>& notes) {
    for (const auto& note : notes) warn(what + ": " + note);
  }

  void decide_generated_columns() {
    generated_sql_.clear();
    for (std::size_t c = 0; c < source().columns.size(); ++c) {
      SourceColumn& column = source().columns[c];
      if (!column.sqlite_generated) continue;
      auto plain = [&](const std::string& why) {
        warn("generated column " + column.name +
             " becomes a plain column with its values copied (" + why + ")");
      };
      const ParsedColumn* parsed = nullptr;
      if (source().parsed) {
        for (const auto& candidate : source().parsed->columns) {
          if (iequals(candidate.name, column.name) && candidate.generated) parsed = &candidate;
        }
      }
      if (!parsed) {
        plain("its expression was not read");
        continue;
      }
      bool uses_generated = false;
      for (const auto& token : parsed->generated_expression) {
        if (!is_name(token) || token.kind == Token::Kind::kString) continue;
        const SourceColumn* referenced = find_column(source(), token.text);
        if (referenced && referenced->sqlite_generated) uses_generated = true;
      }
      if (uses_generated) {
        plain("it uses another generated column, which PostgreSQL does not allow");
        continue;
      }
      auto translated = translate_expression(parsed->generated_expression,
                                             context_for(source(), /*for_index=*/true));
      if (!translated) {
        plain(translated.error().message);
        continue;
      }
      ExprKind wanted = expr_kind_of(column.target.type.kind);
      if (translated->kind != wanted && translated->kind != ExprKind::kNull) {
        plain("its expression's type does not fit " + column.target.type.sql);
        continue;
      }
      notes("generated column " + column.name, translated->notes);
      column.generated = true;
      model().columns[c].generated = true;
      generated_sql_[c] = translated->sql;
    }
  }

  void create_table() {
    std::vector<std::string> lines;
    for (std::size_t c = 0; c < source().columns.size(); ++c) {
      const SourceColumn& column = source().columns[c];
      std::string line = quote(column.name) + " " + column.target.type.sql;
      if (column.identity) {
        line += " GENERATED BY DEFAULT AS IDENTITY";
        if (column.sqlite_default) warn("DEFAULT of identity column " + column.name + " left out");
      } else if (column.generated) {
        line += " GENERATED ALWAYS AS (" + generated_sql_[c] + ") STORED";
      }
      if (column.not_null && !column.identity) line += " NOT NULL";
      if (!column.identity && !column.generated && column.sqlite_default) {
        DefaultTranslation translated =
            translate_default(*column.sqlite_default, column.target, column.mapping.affinity);
        if (!translated.warning.empty()) warn("column " + column.name + ": " + translated.warning);
        notes("column " + column.name + " DEFAULT", translated.notes);
        if (translated.sql) line += " DEFAULT " + *translated.sql;
      }
      if (column.collation && !binary_collation(*column.collation)) {
        warn("column " + column.name + ": COLLATE " + *column.collation +
             " not kept (PostgreSQL compares with the database's collation)");
      }
      lines.push_back(line);
    }
    if (source().parsed) {
      std::vector<const ParsedCheck*> checks;
      for (const auto& column : source().parsed->columns) {
        for (const auto& check : column.checks) checks.push_back(&check);
      }
      for (const auto& check : source().parsed->checks) checks.push_back(&check);
      for (const ParsedCheck* check : checks) {
        auto translated = translate_condition(check->expression, context_for(source(), false));
        if (!translated) {
          warn("CHECK (" + check->text + ") not created: " + translated.error().message);
          continue;
        }
        notes("CHECK (" + check->text + ")", translated->notes);
        std::string line;
        if (!check->name.empty()) {
          line = "CONSTRAINT " + quote(unique_name(check->name, constraint_names_[table_])) + " ";
        }
        lines.push_back(line + "CHECK " + translated->sql);
      }
    }
    std::string sql = "CREATE TABLE " + qualified(source().name) + " (\n";
    for (std::size_t i = 0; i < lines.size(); ++i) {
      sql += "  " + lines[i] + (i + 1 < lines.size() ? ",\n" : "\n");
    }
    sql += ")";
    schema_.create_tables.push_back(DdlStatement{table_, "table", source().name, sql});
  }

  std::string key_name(const std::vector<std::string>& columns, bool primary) {
    if (source().parsed) {
      for (const auto& key : source().parsed->keys) {
        if (key.primary == primary && !key.name.empty() && same_columns(key.columns, columns)) {
          constraint_names_[table_].insert(key.name);
          return unique_name(key.name, relation_names_);
        }
      }
    }
    std::string wanted =
        primary ? source().name + "_pkey" : source().name + "_" + joined(columns, "_") + "_key";
    std::string name = unique_name(wanted, relation_names_);
    constraint_names_[table_].insert(name);
    return name;
  }

  void add_after(const std::string& kind, const std::string& name, const std::string& sql) {
    schema_.after_data.push_back(DdlStatement{table_, kind, name, sql});
  }

  void keys_and_indexes() {
    if (!source().primary_key.empty()) {
      std::vector<std::string> columns;
      for (std::size_t index : source().primary_key)
        columns.push_back(source().columns[index].name);
      std::string name = key_name(columns, true);
      add_after("constraint", name,
                "ALTER TABLE " + qualified(source().name) + " ADD CONSTRAINT " + quote(name) +
                    " PRIMARY KEY (" + column_list(columns) + ")");
    }
    for (const auto& index : source().indexes) {
      for (const auto& collation : index.collations) {
        if (!binary_collation(collation)) {
          warn("index " + index.name + ": COLLATE " + collation +
               " not kept (built with the database's collation)");
          break;
        }
      }
      if (index.origin == "u") {
        std::string name = key_name(index.columns, false);
        add_after("constraint", name,
                  "ALTER TABLE " + qualified(source().name) + " ADD CONSTRAINT " + quote(name) +
                      " UNIQUE (" + column_list(index.columns) + ")");
      } else if (index.origin == "c") {
        create_index(index);
      }
    }
  }

  void create_index(const CatalogIndex& index) {
    auto parsed = parse_create_index(index.sql);
    if (!parsed) {
      warn("index " + index.name + " not created: " + parsed.error().message);
      return;
    }
    ExprContext context = context_for(source(), /*for_index=*/true);
    std::vector<std::string> items;
    std::vector<std::string> index_notes;
    for (const auto& column : parsed->columns) {
      std::string item;
      const SourceColumn* plain = nullptr;
      if (column.expression.size() == 1 && is_name(column.expression[0]) &&
          column.expression[0].kind != Token::Kind::kString) {
        plain = find_column(source(), column.expression[0].text);
      }
      if (plain) {
        item = quote(plain->name);
      } else {
        auto translated = translate_expression(column.expression, context);
        if (!translated) {
          warn("index " + index.name + " not created: (" + column.text + ") " +
               translated.error().message);
          return;
        }
        index_notes.insert(index_notes.end(), translated->notes.begin(), translated->notes.end());
        item = "(" + translated->sql + ")";
      }
      if (column.descending) item += " DESC";
      items.push_back(item);
    }
    std::string where;
    if (!parsed->where.empty()) {
      auto translated = translate_condition(parsed->where, context);
      if (!translated) {
        warn("index " + index.name + " not created: WHERE " + parsed->where_text + ": " +
             translated.error().message);
        return;
      }
      index_notes.insert(index_notes.end(), translated->notes.begin(), translated->notes.end());
      where = " WHERE " + translated->sql;
    }
    notes("index " + index.name, index_notes);
    add_after("index", index.name,
              std::string("CREATE ") + (parsed->unique ? "UNIQUE " : "") + "INDEX " +
                  quote(index.name) + " ON " + qualified(source().name) + " (" +
                  joined(items, ", ") + ")" + where);
  }

  void identity_sequence() {
    for (const auto& column : source().columns) {
      if (!column.identity) continue;
      std::string max = "coalesce(max(" + quote(column.name) + "), 0)";
      std::string floor = std::to_string(std::max<std::int64_t>(source().sequence.value_or(0), 0));
      // setval(seq, v, true): the next value is v + 1. With no rows (and no AUTOINCREMENT
      // history), setval(seq, 1, false) makes it 1.
      std::string sql =
          "SELECT setval(pg_get_serial_sequence(" + pg::quote_literal(qualified(source().name)) +
          ", " + pg::quote_literal(column.name) + "), greatest(" + max + ", " + floor +
          ", 1), greatest(" + max + ", " + floor + ") >= 1) FROM " + qualified(source().name);
      add_after("sequence", source().name + "." + column.name, sql);
    }
  }

  // Whether the parent's primary key, a UNIQUE constraint or a plain unique index covers exactly
  // `columns`.
  static bool unique_on(const SourceTable& parent, const std::vector<std::string>& columns) {
    std::vector<std::string> primary;
    for (std::size_t index : parent.primary_key) primary.push_back(parent.columns[index].name);
    if (!primary.empty() && same_columns(primary, columns)) return true;
    for (const auto& index : parent.indexes) {
      if (!index.unique || index.partial) continue;
      bool plain = std::none_of(index.columns.begin(), index.columns.end(),
                                [](const std::string& name) { return name.empty(); });
      if (plain && same_columns(index.columns, columns)) return true;
    }
    return false;
  }

  void foreign_keys() {
    for (const auto& key : source().foreign_keys) {
      std::string described = "foreign key (" + joined(key.from, ", ") + ") to " + key.parent;
      const SourceTable* parent = nullptr;
      for (const auto& candidate : schema_.sources) {
        if (iequals(candidate.name, key.parent)) parent = &candidate;
      }
      if (!parent) {
        warn(described + " not created: no such table is migrated");
        continue;
      }
      std::vector<std::string> to;
      bool implicit = std::all_of(key.to.begin(), key.to.end(),
                                  [](const std::string& name) { return name.empty(); });
      if (implicit) {
        for (std::size_t index : parent->primary_key) to.push_back(parent->columns[index].name);
      } else {
        for (const auto& name : key.to) {
          const SourceColumn* column = find_column(*parent, name);
          to.push_back(column ? column->name : std::string());
        }
      }
      std::vector<std::string> from;
      std::string problem;
      for (const auto& name : key.from) {
        const SourceColumn* column = find_column(source(), name);
        if (!column) problem = "no column " + name;
        from.push_back(column ? column->name : std::string());
      }
      if (problem.empty() && to.size() != from.size()) problem = "the parent has no matching key";
      for (std::size_t i = 0; problem.empty() && i < to.size(); ++i) {
        if (to[i].empty()) {
          problem = "the parent has no column " + key.to[i];
          break;
        }
        ExprKind child_kind = expr_kind_of(find_column(source(), from[i])->target.type.kind);
        ExprKind parent_kind = expr_kind_of(find_column(*parent, to[i])->target.type.kind);
        if (child_kind != parent_kind)
          problem = "column types differ (" + from[i] + ", " + to[i] + ")";
      }
      if (problem.empty() && !unique_on(*parent, to)) {
        problem = "the parent columns have no PRIMARY KEY or UNIQUE constraint";
      }
      if (!problem.empty()) {
        warn(described + " not created: " + problem);
        continue;
      }
      std::string name = unique_name(
          key.name.empty() ? source().name + "_" + joined(from, "_") + "_fkey" : key.name,
          constraint_names_[table_]);
      std::string sql = "ALTER TABLE " + qualified(source().name) + " ADD CONSTRAINT " +
                        quote(name) + " FOREIGN KEY (" + column_list(from) + ") REFERENCES " +
                        qualified(parent->name) + " (" + column_list(to) + ")";
      for (auto [clause, action] :
           {std::pair<std::string_view, const std::string*>{" ON UPDATE ", &key.on_update},
            {" ON DELETE ", &key.on_delete}}) {
        std::string upper = ascii_upper(*action);
        if (upper == "CASCADE" || upper == "SET NULL" || upper == "SET DEFAULT" ||
            upper == "RESTRICT") {
          sql += std::string(clause) + upper;
        }
      }
      if (options_.foreign_keys_not_valid) sql += " NOT VALID";
      add_after("foreign_key", name, sql);
      schema_.after_data.back().references =
          static_cast<std::size_t>(parent - schema_.sources.data());
    }
  }

  SqliteSchema& schema_;
  const SchemaOptions& options_;
  std::size_t table_ = 0;
  std::set<std::string> relation_names_;
  std::vector<std::set<std::string>> constraint_names_;
  std::map<std::size_t, std::string> generated_sql_;
};

}  // namespace

void build_schema_ddl(SqliteSchema& schema, const SchemaOptions& options) {
  schema.create_tables.clear();
  schema.after_data.clear();
  DdlBuilder(schema, options).build();
}

}  // namespace pgshift::sqlite
