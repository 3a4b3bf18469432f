#include "engine/assess/source_reader.hpp"

#include <map>

#include "engine/assess/checks.hpp"
#include "engine/model/pg_quote.hpp"

namespace pgshift::assess {
namespace {

constexpr char kUnitSeparator = '\x1f';

std::vector<std::string> split_units(const std::string& text) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  std::size_t start = 0;
  for (std::size_t at; (at = text.find(kUnitSeparator, start)) != std::string::npos;) {
    out.push_back(text.substr(start, at - start));
    start = at + 1;
  }
  out.push_back(text.substr(start));
  return out;
}

// Not a member of an extension (those come with CREATE EXTENSION).
std::string not_member(const std::string& catalog, const std::string& oid) {
  return "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend m WHERE m.deptype = 'e' AND m.classid = "
         "'pg_catalog." +
         catalog + "'::pg_catalog.regclass AND m.objid = " + oid + ")";
}

}  // namespace

std::string sql_text_array(const std::vector<std::string>& items) {
  std::string out = "ARRAY[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    out += (i ? ", " : "") + pg::quote_literal(items[i]);
  }
  return out + "]::text[]";
}

std::vector<std::string> schemas_in_scope(const std::vector<std::string>& schemas,
                                          const pg::TableFilter& filter) {
  std::vector<std::string> out;
  for (const auto& schema : schemas) {
    if (schema != "pgshift" && filter.accepts_schema(schema)) out.push_back(schema);
  }
  return out;
}

Task<Status> refuse_row_security(pg::Connection& connection, const std::string& side,
                                 const std::vector<Table>& tables) {
  auto facts = co_await read_table_facts(connection, tables, false);
  if (!facts) co_return fail(facts.error());
  auto user = co_await connection.query("SELECT current_user");
  if (!user) co_return fail(user.error());
  if (auto hidden = check_row_security(side, user->text(0, 0), *facts)) {
    co_return fail(ErrorKind::kRefused, hidden->refusal());
  }
  co_return Status{};
}

Task<Result<std::vector<TableFacts>>> read_table_facts(pg::Connection& connection,
                                                       const std::vector<Table>& tables,
                                                       bool exact) {
  auto result = co_await connection.query(R"SQL(
    SELECT c.oid, c.relreplident,
           EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND i.indisprimary),
           COALESCE(pg_catalog.pg_total_relation_size(NULLIF(c.reltoastrelid, 0)), 0),
           pg_catalog.has_table_privilege(c.oid, 'SELECT'),
           c.relrowsecurity
             AND NOT (SELECT r.rolsuper OR r.rolbypassrls FROM pg_catalog.pg_roles r
                      WHERE r.rolname = current_user)
             AND (c.relforcerowsecurity OR NOT pg_catalog.pg_has_role(c.relowner, 'USAGE')),
           c.relpersistence = 'u'
    FROM pg_catalog.pg_class c WHERE c.relkind IN ('r', 'p'))SQL");
  if (!result) co_return fail(result.error());
  std::map<std::uint32_t, int> row_of;
  for (int row = 0; row < result->rows(); ++row) {
    row_of[static_cast<std::uint32_t>(result->integer(row, 0))] = row;
  }
  std::vector<TableFacts> out;
  for (const auto& table : tables) {
    TableFacts facts;
    facts.schema = table.schema;
    facts.name = table.name;
    facts.partitioned_parent = table.partitioned_parent;
    facts.bytes = table.bytes;
    facts.index_bytes = table.index_bytes;
    facts.rows = table.partitioned_parent ? 0 : table.estimated_rows;
    if (auto it = row_of.find(table.oid); it != row_of.end()) {
      facts.replica_identity = result->text(it->second, 1)[0];
      facts.has_primary_key = result->boolean(it->second, 2);
      facts.toast_bytes = result->integer(it->second, 3);
      facts.can_select = result->boolean(it->second, 4);
      facts.row_security_applies = result->boolean(it->second, 5);
      facts.unlogged = result->boolean(it->second, 6);
    }
    if (!table.keyless() && !facts.has_primary_key) facts.unique_index = table.key_name;
    for (const auto& column : table.columns) {
      if (!column.binary_io && !column.generated) {
        facts.columns_without_binary_io.push_back(column.name + " (" + column.type_sql + ")");
      }
    }
    if (exact && facts.can_select && !table.partitioned_parent) {
      auto counted =
          co_await connection.query("SELECT count(*) FROM ONLY " + pg::qualified_name(table));
      if (!counted)
        co_return fail(std::move(counted.error()).within("counting " + facts.qualified()));
      facts.rows = static_cast<double>(counted->integer(0, 0));
      facts.rows_exact = true;
    }
    out.push_back(std::move(facts));
  }
  co_return out;
}

Task<Result<Inventory>> read_inventory(pg::Connection& connection,
                                       const std::vector<std::string>& scope,
                                       const std::vector<TableFacts>& tables) {
  Inventory inventory;
  inventory.schemas = scope;
  inventory.rows_exact = !tables.empty();
  for (const auto& table : tables) {
    ++inventory.tables;
    if (table.partitioned_parent) ++inventory.partitioned_tables;
    inventory.table_bytes += table.bytes;
    inventory.toast_bytes += table.toast_bytes;
    inventory.index_bytes += table.index_bytes;
    inventory.rows += table.rows;
    if (!table.rows_exact && !table.partitioned_parent) inventory.rows_exact = false;
  }
  std::string in_scope = "IN (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = ANY(" +
                         sql_text_array(scope) + "))";
  std::string constraints =
      "SELECT count(*) FROM pg_catalog.pg_constraint WHERE conrelid <> 0 "
      "AND connamespace " +
      in_scope + " AND contype = ";
  std::string relations = "SELECT count(*) FROM pg_catalog.pg_class c WHERE c.relnamespace " +
                          in_scope + " AND " + not_member("pg_class", "c.oid") + " AND c.relkind ";
  bool has_parent_triggers = connection.server_version() >= 130000;
  auto counts = co_await connection.query(
      "SELECT (SELECT count(*) FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c "
      "ON c.oid = i.indexrelid WHERE c.relnamespace " +
      in_scope + " AND " + not_member("pg_class", "i.indrelid") + "), (" + constraints + "'p'), (" +
      constraints + "'u'), (" + constraints + "'f'), (" + constraints + "'c'), (" + constraints +
      "'x'), (" + relations +
      "= 'S'), (SELECT count(*) FROM pg_catalog.pg_largeobject_metadata), "
      "(SELECT count(*) FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c "
      "ON c.oid = a.attrelid WHERE c.relkind IN ('r', 'p') AND a.attgenerated <> '' "
      "AND NOT a.attisdropped AND c.relnamespace " +
      in_scope +
      "), "
      "(SELECT count(*) FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c "
      "ON c.oid = t.tgrelid WHERE NOT t.tgisinternal " +
      (has_parent_triggers ? "AND t.tgparentid = 0 " : "") + "AND c.relnamespace " + in_scope +
      "), (" + relations + "= 'v'), (" + relations +
      "= 'm'), "
      "(SELECT count(*) FROM pg_catalog.pg_proc p WHERE p.pronamespace " +
      in_scope + " AND " + not_member("pg_proc", "p.oid") +
      "), "
      "(SELECT count(*) FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c "
      "ON c.oid = p.polrelid WHERE c.relnamespace " +
      in_scope +
      "), "
      "(SELECT count(*) FROM pg_catalog.pg_type t WHERE t.typnamespace " +
      in_scope + " AND " + not_member("pg_type", "t.oid") +
      " AND (t.typtype IN ('e', 'd', 'r', 'm') OR "
      "(t.typtype = 'c' AND (SELECT relkind FROM pg_catalog.pg_class WHERE oid = t.typrelid) = "
      "'c'))), (" +
      relations +
      "IN ('r', 'p') AND c.relispartition), "
      "(SELECT COALESCE(sum(pg_catalog.pg_relation_size(conrelid)), 0) FROM "
      "pg_catalog.pg_constraint WHERE contype = 'f' AND connamespace " +
      in_scope + ")");
  if (!counts) co_return fail(counts.error());
  int* fields[] = {&inventory.indexes,
                   &inventory.primary_keys,
                   &inventory.unique_constraints,
                   &inventory.foreign_keys,
                   &inventory.check_constraints,
                   &inventory.exclusion_constraints,
                   &inventory.sequences,
                   &inventory.large_objects,
                   &inventory.generated_columns,
                   &inventory.triggers,
                   &inventory.views,
                   &inventory.materialized_views,
                   &inventory.functions,
                   &inventory.policies,
                   &inventory.user_types,
                   &inventory.partitions};
  for (int i = 0; i < static_cast<int>(std::size(fields)); ++i) {
    *fields[i] = static_cast<int>(counts->integer(0, i));
  }
  inventory.foreign_key_bytes = counts->integer(0, static_cast<int>(std::size(fields)));
  auto extensions = co_await connection.query(
      "SELECT e.extname, e.extversion, n.nspname FROM pg_catalog.pg_extension e "
      "JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace ORDER BY 1");
  if (!extensions) co_return fail(extensions.error());
  for (int row = 0; row < extensions->rows(); ++row) {
    inventory.extensions.push_back(
        {extensions->text(row, 0), extensions->text(row, 1), extensions->text(row, 2)});
  }
  co_return inventory;
}

Task<Result<std::vector<Reference>>> read_references(pg::Connection& connection,
                                                     const std::vector<std::string>& scope,
                                                     const std::vector<std::string>& left_out) {
  std::vector<Reference> out;
  if (left_out.empty()) co_return out;
  std::string sql = R"SQL(
    WITH dep AS (
      SELECT d.classid, d.objid, d.objsubid, d.refclassid, d.refobjid,
        CASE d.classid
          WHEN 'pg_catalog.pg_policy'::regclass THEN
            (SELECT polrelid FROM pg_catalog.pg_policy WHERE oid = d.objid)
          WHEN 'pg_catalog.pg_attrdef'::regclass THEN
            (SELECT adrelid FROM pg_catalog.pg_attrdef WHERE oid = d.objid)
          WHEN 'pg_catalog.pg_rewrite'::regclass THEN
            (SELECT ev_class FROM pg_catalog.pg_rewrite WHERE oid = d.objid)
          WHEN 'pg_catalog.pg_trigger'::regclass THEN
            (SELECT tgrelid FROM pg_catalog.pg_trigger WHERE oid = d.objid)
          WHEN 'pg_catalog.pg_constraint'::regclass THEN
            (SELECT conrelid FROM pg_catalog.pg_constraint WHERE oid = d.objid)
          WHEN 'pg_catalog.pg_class'::regclass THEN d.objid
        END AS relid,
        CASE d.refclassid
          WHEN 'pg_catalog.pg_proc'::regclass THEN
            (SELECT pronamespace FROM pg_catalog.pg_proc WHERE oid = d.refobjid)
          WHEN 'pg_catalog.pg_class'::regclass THEN
            (SELECT relnamespace FROM pg_catalog.pg_class WHERE oid = d.refobjid
               AND relkind IN ('r', 'p', 'v', 'm', 'f', 'S'))
          WHEN 'pg_catalog.pg_type'::regclass THEN
            (SELECT typnamespace FROM pg_catalog.pg_type WHERE oid = d.refobjid)
        END AS refnsp
      FROM pg_catalog.pg_depend d
      WHERE d.deptype = 'n'
        AND d.refclassid IN ('pg_catalog.pg_proc'::regclass, 'pg_catalog.pg_class'::regclass,
                             'pg_catalog.pg_type'::regclass)
        AND (d.classid IN ('pg_catalog.pg_policy'::regclass, 'pg_catalog.pg_attrdef'::regclass,
                           'pg_catalog.pg_rewrite'::regclass, 'pg_catalog.pg_trigger'::regclass,
                           'pg_catalog.pg_constraint'::regclass)
             OR (d.classid = 'pg_catalog.pg_class'::regclass AND d.objsubid > 0)))
    SELECT DISTINCT
      CASE dep.classid
        WHEN 'pg_catalog.pg_policy'::regclass THEN 'policy'
        WHEN 'pg_catalog.pg_attrdef'::regclass THEN 'default'
        WHEN 'pg_catalog.pg_rewrite'::regclass THEN 'view'
        WHEN 'pg_catalog.pg_trigger'::regclass THEN 'trigger'
        WHEN 'pg_catalog.pg_class'::regclass THEN 'column'
        ELSE CASE (SELECT contype FROM pg_catalog.pg_constraint WHERE oid = dep.objid)
               WHEN 'f' THEN 'foreign key' ELSE 'constraint' END
      END,
      pg_catalog.pg_describe_object(dep.classid, dep.objid, dep.objsubid),
      rn.nspname || '.' || rc.relname,
      pg_catalog.pg_describe_object(dep.refclassid, dep.refobjid, 0),
      ln.nspname,
      COALESCE((SELECT e.extname FROM pg_catalog.pg_depend x
                JOIN pg_catalog.pg_extension e ON e.oid = x.refobjid
                WHERE x.classid = dep.refclassid AND x.objid = dep.refobjid
                  AND x.refclassid = 'pg_catalog.pg_extension'::regclass AND x.deptype = 'e'), '')
    FROM dep
    JOIN pg_catalog.pg_namespace ln ON ln.oid = dep.refnsp
    JOIN pg_catalog.pg_class rc ON rc.oid = dep.relid
    JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
    WHERE ln.nspname = ANY(LEFT_OUT) AND rn.nspname = ANY(SCOPE)
    ORDER BY 3, 2, 4)SQL";
  sql.replace(sql.find("LEFT_OUT"), 8, sql_text_array(left_out));
  sql.replace(sql.find("SCOPE"), 5, sql_text_array(scope));
  auto result = co_await connection.query(sql);
  if (!result) co_return fail(result.error());
  for (int row = 0; row < result->rows(); ++row) {
    out.push_back({result->text(row, 0), result->text(row, 1), result->text(row, 2),
                   result->text(row, 3), result->text(row, 4), result->text(row, 5)});
  }
  co_return out;
}

Task<Result<std::vector<PolicyFact>>> read_policies(pg::Connection& connection,
                                                    const std::vector<std::string>& scope) {
  auto result = co_await connection.query(
      "SELECT n.nspname || '.' || c.relname, p.polname, "
      "(SELECT string_agg(r.rolname, E'\\x1f' ORDER BY r.rolname) FROM pg_catalog.pg_roles r "
      " WHERE r.oid = ANY(p.polroles)) "
      "FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid "
      "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE p.polroles <> '{0}' AND n.nspname = ANY(" +
      sql_text_array(scope) + ") ORDER BY 1, 2");
  if (!result) co_return fail(result.error());
  std::vector<PolicyFact> out;
  for (int row = 0; row < result->rows(); ++row) {
    out.push_back({result->text(row, 0), result->text(row, 1),
                   split_units(result->is_null(row, 2) ? "" : result->text(row, 2))});
  }
  co_return out;
}

Task<Result<std::vector<GrantFact>>> read_grants(pg::Connection& connection,
                                                 const std::vector<std::string>& scope,
                                                 const std::vector<std::string>& roles) {
  auto result = co_await connection.query(
      "SELECT DISTINCT n.nspname || '.' || c.relname, r.rolname FROM pg_catalog.pg_class c "
      "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a "
      "JOIN pg_catalog.pg_roles r ON r.oid = a.grantee "
      "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND n.nspname = ANY(" +
      sql_text_array(scope) + ") AND r.rolname = ANY(" + sql_text_array(roles) + ") ORDER BY 1, 2");
  if (!result) co_return fail(result.error());
  std::vector<GrantFact> out;
  for (int row = 0; row < result->rows(); ++row) {
    out.push_back({result->text(row, 0), result->text(row, 1)});
  }
  co_return out;
}

Task<Result<std::vector<std::string>>> read_unreadable_sequences(
    pg::Connection& connection, const std::vector<std::string>& scope) {
  auto result = co_await connection.query(
      "SELECT n.nspname || '.' || c.relname FROM pg_catalog.pg_class c "
      "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'S' "
      "AND NOT pg_catalog.has_table_privilege(c.oid, 'SELECT') AND n.nspname = ANY(" +
      sql_text_array(scope) + ") AND " + not_member("pg_class", "c.oid") + " ORDER BY 1");
  if (!result) co_return fail(result.error());
  std::vector<std::string> out;
  for (int row = 0; row < result->rows(); ++row) out.push_back(result->text(row, 0));
  co_return out;
}

}  // namespace pgshift::assess
