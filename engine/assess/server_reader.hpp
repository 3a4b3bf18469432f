// Reads one server's facts (facts.hpp: version, user and privileges, replication settings,
// provider settings, roles and schemas) through a prepared session, and probes for a transaction
// pooler in front of it. Reads only; safe inside a read-only transaction except probe_pooler,
// which must run outside any transaction.
#pragma once

#include <string>

#include "connectors/pg/connection.hpp"
#include "engine/assess/facts.hpp"

namespace pgshift::assess {

// `side` is "source" or "target"; host and port come from the endpoint as given.
Task<Result<ServerFacts>> read_server_facts(pg::Connection& connection, const Endpoint& endpoint,
                                            std::string side);

// Two `SELECT pg_backend_pid()` on `connection` (each its own transaction) and one on a second
// connection to `endpoint`, opened and closed here. A probe that cannot run stays unprobed.
Task<PoolerProbe> probe_pooler(pg::Connection& connection, const Endpoint& endpoint);

}  // namespace pgshift::assess
