// Exported snapshots: the one point in time every session of a run reads at. A session opens a
// REPEATABLE READ READ ONLY transaction and either exports its snapshot (it must then stay open
// for as long as others import it) or imports one exported elsewhere. Stateless helpers; the
// caller owns the connection and its transaction.
#pragma once

#include <string>
#include <string_view>

#include "connectors/pg/connection.hpp"

namespace pgshift::pg {

// Opens the snapshot transaction; the second statement returns the exported snapshot's name.
inline constexpr const char* kBeginAndExportSnapshotSql =
    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_catalog.pg_export_snapshot()";

// Opens a transaction at `snapshot` (fails once its exporter ended).
std::string begin_at_snapshot_sql(std::string_view snapshot);

// Runs kBeginAndExportSnapshotSql and returns the snapshot's name; leaves the transaction open.
Task<Result<std::string>> begin_and_export_snapshot(Connection& connection);

}  // namespace pgshift::pg
