// The target table a pgoutput Relation message names (same schema and name: migrate creates the
// target tables with the source's names), read from the target's catalog and checked against the
// Relation's columns, so no change is ever applied to the wrong columns. A column added, dropped,
// renamed or retyped on the source stops apply with an Error naming the table and the difference.
// Generated columns of the target are not compared (pgoutput does not send them) and never written.
// The comparison is a pure function (unit-testable); the catalog read borrows the connection for
// one query. One coroutine at a time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "connectors/pg/connection.hpp"
#include "connectors/pg/replication/pgoutput.hpp"
#include "engine/sync/apply_statements.hpp"

namespace pgshift::sync {

// One live column of the target table, as its catalog describes it.
struct TargetColumn {
  std::string name;
  std::uint32_t type_oid = 0;
  std::string type_sql;  // format_type, for messages
  bool generated = false;
  bool has_equality = true;          // see ApplyColumn
  std::uint32_t array_type_oid = 0;  // pg_type.typarray; 0: the type has no array type
  std::int32_t type_modifier = -1;   // atttypmod: varchar's length, numeric's precision and scale
};

// The table as the applier writes it: columns in the Relation's order, and each one's target type
// (the parameter types of every statement).
struct AppliedTable {
  ApplyTable table;
  std::vector<std::uint32_t> type_oids;
  // Per column, the array type of its type (0: none), the parameter types of the statements that
  // apply many rows at once (apply_statements.hpp, insert_rows_sql).
  std::vector<std::uint32_t> array_type_oids;
};

// Compares; `target` empty means the table does not exist on the target.
Result<AppliedTable> match_relation(const pg::pgoutput::Relation& relation,
                                    const std::vector<TargetColumn>& target);

// The target table's columns (empty: no such table).
Task<Result<std::vector<TargetColumn>>> read_target_columns(pg::Connection& target,
                                                            const pg::pgoutput::Relation& relation);

}  // namespace pgshift::sync
