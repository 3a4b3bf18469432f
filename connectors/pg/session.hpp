// Session settings every pgshift connection runs with, so text forms of values (key bounds,
// timestamps, floats) and catalog output (fully qualified names) are the same on every server.
// The server's, database's or role's timeouts (hosted providers set them) are turned off for
// pgshift's own sessions: the session that exported the run's snapshot sits idle in its
// transaction for the whole run, and a chunk, an index build or a foreign key may take long.
// Code that wants a timeout sets it for its own transaction (SET LOCAL), which ends with it; a
// plain RESET would bring back the server's value, so none is used.
// default_transaction_read_only = off: a cutover freezes the source by making its application
// roles and database read-only for new sessions (engine/cutover/source_freeze.hpp); pgshift's own
// sessions (cutover's drain marker, cleanup, a reverse stream) must still write there.
// row_security = off (as pg_dump does): a table whose policies would filter the rows makes the
// server refuse the read instead of returning fewer rows that would then verify "equal".
#pragma once

#include "connectors/pg/connection.hpp"

namespace pgshift::pg {

inline constexpr const char* kSessionSetup =
    "SET search_path = ''; SET DateStyle = ISO; SET TimeZone = 'UTC'; "
    "SET IntervalStyle = postgres; SET extra_float_digits = 3; "
    "SET standard_conforming_strings = on; SET client_encoding = 'UTF8'; SET row_security = off; "
    "SET default_transaction_read_only = off; "
    // Through pg_settings, so a server that lacks one of them (older versions) is not an error.
    "SELECT pg_catalog.set_config(name, '0', false) FROM pg_catalog.pg_settings WHERE name IN "
    "('statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout', "
    "'idle_session_timeout', 'transaction_timeout'); "
    "SET application_name = 'pgshift'";

// Opens and prepares a connection; `label` is "source" or "target" in messages.
Task<Result<Connection>> open_session(const Endpoint& endpoint, std::string label);

}  // namespace pgshift::pg
