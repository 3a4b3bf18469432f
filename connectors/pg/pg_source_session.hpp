// The PostgreSQL reading side of a worker: a session inside a read-only repeatable-read
// transaction that imported the run's exported snapshot, so every chunk is read at one point.
#pragma once

#include "connectors/pg/endpoint.hpp"
#include "engine/core/source_session.hpp"

namespace pgshift::pg {

// Opens sessions on `source` that import `snapshot`; both must outlive the factory's use.
SourceSessionFactory snapshot_session_factory(const Endpoint& source, const std::string& snapshot);

}  // namespace pgshift::pg
