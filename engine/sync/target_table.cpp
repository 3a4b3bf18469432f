#include "engine/sync/target_table.hpp"

#include <map>

#include "engine/model/pg_quote.hpp"

namespace pgshift::sync {
namespace {

// OIDs below this are built in and the same on every server; above it (user types, extension
// types) they are per database, so only the column names can be compared.
constexpr std::uint32_t kFirstUserOid = 16384;

constexpr const char* kTargetColumnsSql =
    "SELECT a.attname, a.atttypid::int8, a.attgenerated <> '', "
    "pg_catalog.format_type(a.atttypid, a.atttypmod), "
    "EXISTS (SELECT 1 FROM pg_catalog.pg_opclass oc "
    "JOIN pg_catalog.pg_am am ON am.oid = oc.opcmethod "
    "WHERE am.amname = 'btree' AND oc.opcdefault "
    "AND oc.opcintype = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END), "
    "t.typarray::int8, a.atttypmod "
    "FROM pg_catalog.pg_attribute a "
    "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
    "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p') "
    "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";

// Whether a column of built-in type `oid` declared with `target` (atttypmod) on the target stores
// every value of one declared with `source`, unchanged: the same declaration, or one without a
// limit, or a longer length or finer time precision. A char(n) is padded and a numeric's scale
// is kept: those must be the same.
bool holds_every_value(std::uint32_t oid, std::int32_t source, std::int32_t target) {
  if (source == target) return true;
  switch (oid) {
    case 1043:  // varchar
    case 1562:  // varbit
      return target == -1 || (source != -1 && target >= source);
    case 1083:  // time
    case 1114:  // timestamp
    case 1184:  // timestamptz
    case 1266:  // timetz (unlimited precision is 6: -1 holds as much as (6))
      return target == -1 || target >= (source == -1 ? 6 : source);
    case 1700:  // numeric
    case 1186:  // interval
      return target == -1;
    default:
      return false;
  }
}

// How the source declares a column, in the target's words where the modifier is a plain suffix
// ("character varying(50)", "numeric(12,4)"), else by its modifier.
std::string declared_type(const std::string& target_type_sql, std::uint32_t oid,
                          std::int32_t modifier) {
  std::string base = target_type_sql.substr(0, target_type_sql.find('('));
  bool suffix = target_type_sql.find('(') == std::string::npos || target_type_sql.back() == ')';
  if (!suffix) return "declared with type modifier " + std::to_string(modifier);
  if (modifier == -1) return base;
  switch (oid) {
    case 1042:
    case 1043:
      return base + "(" + std::to_string(modifier - 4) + ")";
    case 1700:
      return base + "(" + std::to_string(((modifier - 4) >> 16) & 0xffff) + "," +
             std::to_string((modifier - 4) & 0xffff) + ")";
    case 1560:
    case 1562:
      return base + "(" + std::to_string(modifier) + ")";
    default:
      return base + " with type modifier " + std::to_string(modifier);
  }
}

std::string schema_of(const pg::pgoutput::Relation& relation) {
  return relation.schema.empty() ? "pg_catalog" : std::string(relation.schema);
}

std::string quoted(std::string_view name) {
  return pg::quote_identifier(name);
}

}  // namespace

Result<AppliedTable> match_relation(const pg::pgoutput::Relation& relation,
                                    const std::vector<TargetColumn>& target) {
  AppliedTable applied;
  applied.table.schema = schema_of(relation);
  applied.table.name = relation.name;
  const std::string table_name = applied.table.qualified_name();
  const std::string how_to_continue = "apply the same DDL to the target and rerun";
  if (target.empty()) {
    return fail(ErrorKind::kRuntime,
                "table " + table_name +
                    " is in the change stream but not on the target: " + how_to_continue);
  }
  std::map<std::string, const TargetColumn*, std::less<>> by_name;
  for (const auto& column : target) by_name.emplace(column.name, &column);

  // REPLICA IDENTITY FULL marks every column as key: such a table has no key to upsert on.
  const bool full = relation.replica_identity == 'f';
  std::vector<std::string> differences;
  std::map<std::string, bool, std::less<>> sent;
  for (const auto& column : relation.columns) {
    sent.emplace(std::string(column.name), true);
    auto found = by_name.find(column.name);
    if (found == by_name.end()) {
      differences.push_back("column " + quoted(column.name) + " (type OID " +
                            std::to_string(column.type_oid) +
                            ") is on the source but not on the target");
      continue;
    }
    const TargetColumn& mine = *found->second;
    if (mine.generated) {
      differences.push_back("column " + quoted(column.name) +
                            " is generated on the target but sent by the source");
      continue;
    }
    bool built_in = column.type_oid < kFirstUserOid || mine.type_oid < kFirstUserOid;
    if (built_in && column.type_oid != mine.type_oid) {
      differences.push_back("column " + quoted(column.name) + " has type OID " +
                            std::to_string(column.type_oid) + " on the source but " +
                            mine.type_sql + " (OID " + std::to_string(mine.type_oid) +
                            ") on the target");
      continue;
    }
    // The same type declared narrower on the target (varchar(5) for the source's varchar(50),
    // numeric(10,2) for numeric(12,4)): it would refuse a value, or round it without a word.
    if (built_in && !holds_every_value(column.type_oid, column.type_modifier, mine.type_modifier)) {
      differences.push_back("column " + quoted(column.name) + " is " +
                            declared_type(mine.type_sql, column.type_oid, column.type_modifier) +
                            " on the source but " + mine.type_sql + " on the target");
      continue;
    }
    applied.table.columns.push_back(
        ApplyColumn{std::string(column.name), column.part_of_key && !full, mine.has_equality});
    applied.type_oids.push_back(mine.type_oid);
    applied.array_type_oids.push_back(mine.array_type_oid);
  }
  for (const auto& column : target) {
    if (!column.generated && !sent.contains(column.name)) {
      differences.push_back("column " + quoted(column.name) + " (" + column.type_sql +
                            ") is on the target but not on the source");
    }
  }
  if (!differences.empty()) {
    std::string message = "table " + table_name + " differs between source and target: ";
    for (std::size_t i = 0; i < differences.size(); ++i) {
      if (i > 0) message += "; ";
      message += differences[i];
    }
    return fail(ErrorKind::kRuntime, message + "; " + how_to_continue);
  }
  return applied;
}

Task<Result<std::vector<TargetColumn>>> read_target_columns(
    pg::Connection& target, const pg::pgoutput::Relation& relation) {
  // Named, not a braced list inside the co_await: GCC 12 cannot keep such a list in the frame.
  std::vector<std::optional<std::string>> names{schema_of(relation), std::string(relation.name)};
  auto rows = co_await target.query(kTargetColumnsSql, names);
  if (!rows) co_return fail(std::move(rows.error()).within("reading the target's columns"));
  std::vector<TargetColumn> columns;
  for (int row = 0; row < rows->rows(); ++row) {
    columns.push_back(TargetColumn{rows->text(row, 0),
                                   static_cast<std::uint32_t>(rows->integer(row, 1)),
                                   rows->text(row, 3), rows->boolean(row, 2), rows->boolean(row, 4),
                                   static_cast<std::uint32_t>(rows->integer(row, 5)),
                                   static_cast<std::int32_t>(rows->integer(row, 6))});
  }
  co_return columns;
}

}  // namespace pgshift::sync
