// The schema through PostgreSQL's own tools: pg_dump --schema-only at the run's exported snapshot
// into a custom-format archive in a private temp directory, then pg_restore renders the SQL of its
// pre-data and (filtered) post-data sections. pgshift executes that SQL itself, inside a target
// transaction together with its state, so each step is atomic. Blocking; run outside the pipeline.
#pragma once

#include <set>
#include <string>
#include <utility>

#include "connectors/pg/catalog.hpp"
#include "connectors/pg/endpoint.hpp"
#include "connectors/pg/toc_list.hpp"

namespace pgshift::pg {

struct SchemaScripts {
  std::string pre_data;   // types, tables, sequences, functions, ...
  std::string post_data;  // what pgshift does not build itself: triggers, rules, policies, ...
};

struct DumpOptions {
  std::string snapshot;  // exported snapshot id; empty = none
  TableFilter filter;
  bool keep_owners = false;
  bool clean = false;  // pre-data first drops (IF EXISTS) what it is about to create
};

// The directory of the newest local PostgreSQL client tools (or PGSHIFT_PG_BIN).
std::string client_bin_dir();
// Refuses (exit 2) when the source is newer than the local pg_dump, naming the version needed.
Status check_pg_dump_supports(int source_server_version);

Result<SchemaScripts> dump_schema(
    const Endpoint& source, const DumpOptions& options,
    const std::set<std::pair<std::uint32_t, std::uint32_t>>& done_by_pgshift);

}  // namespace pgshift::pg
