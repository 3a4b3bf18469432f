// Reads what a PostgreSQL database holds into the plan model: tables with columns, keys and sizes,
// how its types look on the wire, the DDL pgshift runs itself per table, sequences and large
// objects. Every function takes a prepared session (see session.hpp); none writes.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "connectors/pg/connection.hpp"
#include "engine/model/table.hpp"

namespace pgshift::pg {

struct TableFilter {
  std::vector<std::string> include_tables;  // patterns "schema.table" or "table", '*' wildcard
  std::vector<std::string> exclude_tables;
  std::vector<std::string> exclude_schemas;
  bool accepts(const std::string& schema, const std::string& table) const;
  // Whether no --exclude-schema pattern matches (tables may still be filtered one by one).
  bool accepts_schema(const std::string& schema) const;
};

// Tables (plain, partitioned parents and partitions; not extension members, not pgshift's own).
// A column whose type has no binary send/receive refuses the read (exit 2, naming it) unless
// `allow_text_only_types`, which marks the column (Column::binary_io) for an assessment to report.
Task<Result<std::vector<Table>>> read_tables(Connection& connection, const TableFilter& filter,
                                             bool allow_text_only_types = false);

// (schema, name) of every table read_tables would consider, before any filter.
Task<Result<std::vector<std::pair<std::string, std::string>>>> read_table_names(
    Connection& connection);

// (schema, name) of the tables `filter` selects that hold rows themselves (not partitioned
// parents): one catalog query, no columns read.
Task<Result<std::vector<std::pair<std::string, std::string>>>> read_selected_row_tables(
    Connection& connection, const TableFilter& filter);

Task<Result<TypeShapes>> read_type_shapes(Connection& connection);

// "schema.name" of every user type (oid >= 16384), to map OIDs between databases.
Task<Result<std::map<std::uint32_t, std::string>>> read_user_type_names(Connection& connection);

// A sorted sample of key values (in chunk order), at most about `rows` of them.
Task<Result<std::vector<KeyValue>>> sample_keys(Connection& connection, const Table& table,
                                                int rows);

// DDL pgshift runs itself: per table, its indexes and primary/unique/exclusion constraints; and the
// foreign keys between plain tables. Everything else of post-data goes through pg_restore.
struct TableDdl {
  std::uint32_t table_oid = 0;
  std::uint32_t object_oid = 0;   // index or constraint OID in the source (matches pg_dump's TOC)
  std::uint32_t catalog_oid = 0;  // pg_class (1259) for indexes, pg_constraint (2606)
  std::string kind;               // "index", "constraint", "foreign_key"
  std::string name;
  std::string sql;
  std::uint32_t referenced_table_oid = 0;  // foreign keys: the table referenced
};
Task<Result<std::vector<TableDdl>>> read_table_ddl(Connection& connection);

struct SequenceValue {
  std::string qualified;  // quoted, schema-qualified
  long long last_value = 0;
  bool is_called = false;
};
// Values of the named sequences ("schema"."name", quoted), in that order.
Task<Result<std::vector<SequenceValue>>> read_sequence_values(
    Connection& connection, const std::vector<std::string>& qualified_names);

Task<Result<std::vector<std::uint32_t>>> read_large_object_oids(Connection& connection);

}  // namespace pgshift::pg
