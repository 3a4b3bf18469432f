// Reads the source's facts an assessment needs beyond the copy model: per-table privileges,
// replica identity and sizes, the inventory of objects, extensions, and the user objects that
// refer to left-out schemas or to roles. Every function runs queries only (inside the caller's
// read-only transaction) over the schemas a migration would copy (`scope`).
#pragma once

#include <string>
#include <vector>

#include "connectors/pg/catalog.hpp"
#include "connectors/pg/connection.hpp"
#include "engine/assess/facts.hpp"

namespace pgshift::assess {

// The schemas a migration copies: the database's own, minus pgshift and --exclude-schema.
std::vector<std::string> schemas_in_scope(const std::vector<std::string>& schemas,
                                          const pg::TableFilter& filter);

// Facts of `tables` (from pg::read_tables with text-only types allowed); with `exact`, row counts
// by count(*) of every table the user can read.
// pgshift reads with row_security = off; a table whose policies apply to the connected user would
// fail mid-run, so migrate and verify refuse it up front (exit 2, check_row_security's words).
Task<Status> refuse_row_security(pg::Connection& connection, const std::string& side,
                                 const std::vector<Table>& tables);

Task<Result<std::vector<TableFacts>>> read_table_facts(pg::Connection& connection,
                                                       const std::vector<Table>& tables,
                                                       bool exact);

// Object counts over `scope`; table totals from `tables`; every installed extension.
Task<Result<Inventory>> read_inventory(pg::Connection& connection,
                                       const std::vector<std::string>& scope,
                                       const std::vector<TableFacts>& tables);

// Objects in `scope` (defaults, policies, views, triggers, constraints, columns) that depend on
// objects in `left_out` schemas.
Task<Result<std::vector<Reference>>> read_references(pg::Connection& connection,
                                                     const std::vector<std::string>& scope,
                                                     const std::vector<std::string>& left_out);

// Policies in `scope` that name roles (not PUBLIC).
Task<Result<std::vector<PolicyFact>>> read_policies(pg::Connection& connection,
                                                    const std::vector<std::string>& scope);

// Grants on tables in `scope` to any of `roles`.
Task<Result<std::vector<GrantFact>>> read_grants(pg::Connection& connection,
                                                 const std::vector<std::string>& scope,
                                                 const std::vector<std::string>& roles);

// Sequences in `scope` the user cannot read (migrate reads their last values).
Task<Result<std::vector<std::string>>> read_unreadable_sequences(
    pg::Connection& connection, const std::vector<std::string>& scope);

// `ARRAY['a', 'b']::text[]`: a list of names as an SQL literal.
std::string sql_text_array(const std::vector<std::string>& items);

}  // namespace pgshift::assess
