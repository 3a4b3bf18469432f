// The schema through PostgreSQL's own tools: pg_dump --schema-only at the run's exported snapshot
// into a custom-format archive in a private temp directory, then pg_restore renders the SQL of its
// pre-data and (filtered) post-data sections. pgshift executes that SQL itself, inside a target
// transaction together with its state, so each step is atomic. Blocking; run outside the pipeline.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "connectors/pg/catalog.hpp"
#include "connectors/pg/endpoint.hpp"
#include "connectors/pg/toc_list.hpp"

namespace pgshift::pg {

struct SchemaScripts {
  std::string pre_data;   // types, tables, sequences, functions, ...
  std::string post_data;  // what pgshift does not build itself: triggers, rules, policies, ...
  std::vector<std::uint32_t> sequence_oids;  // the sequences pre-data creates (source OIDs)
};

using QualifiedName = std::pair<std::string, std::string>;  // schema, name

struct DumpOptions {
  std::string snapshot;  // exported snapshot id; empty = none
  // pg_dump's selection arguments (dump_selection_args), so pg_dump dumps the tables pgshift
  // planned, never what pg_dump's own pattern rules would make of the user's patterns.
  std::vector<std::string> selection;
  bool keep_owners = false;
  bool clean = false;  // pre-data first drops (IF EXISTS) what it is about to create
};

// "schema"."name" as a pg_dump pattern that matches exactly that object: quoted, so case,
// '*', '?' and '.' are literal.
std::string exact_dump_pattern(const std::string& schema, const std::string& name);
std::string exact_dump_pattern(const std::string& schema);

// pg_dump arguments selecting exactly `planned` out of `all_tables`: with --include-table
// patterns, --table for each planned table (pg_dump then dumps no other object); else
// --exclude-schema for each schema the filter leaves out and --exclude-table for each other table
// not planned. Pure; unit-tested.
std::vector<std::string> dump_selection_args(const TableFilter& filter,
                                             const std::vector<QualifiedName>& planned,
                                             const std::vector<QualifiedName>& all_tables,
                                             const std::vector<std::string>& all_schemas);

// The directory of the newest local PostgreSQL client tools (or PGSHIFT_PG_BIN).
std::string client_bin_dir();
// Refuses (exit 2) when the source is newer than the local pg_dump, naming the version needed.
Status check_pg_dump_supports(int source_server_version);

// A pg_dump --schema-only archive (custom format) in a private temporary directory, removed with
// the last owner. Shared so that it can be made on one thread and rendered on another.
class SchemaArchive {
 public:
  const std::string& path() const;

 private:
  friend Result<SchemaArchive> dump_schema_archive(const Endpoint&, const DumpOptions&);
  struct Directory;
  std::shared_ptr<Directory> directory_;
  std::string path_;
};

// Runs pg_dump (the slow part: many catalog round trips to the source). Blocking; safe on any
// thread (touches only its arguments).
Result<SchemaArchive> dump_schema_archive(const Endpoint& source, const DumpOptions& options);

// The archive's pre-data and post-data SQL without what pgshift builds itself (done_by_pgshift:
// catalog and object OID pairs). Blocking: runs pg_restore locally.
Result<SchemaScripts> render_schema(
    const SchemaArchive& archive, const DumpOptions& options,
    const std::set<std::pair<std::uint32_t, std::uint32_t>>& done_by_pgshift);

}  // namespace pgshift::pg
