// Session settings every pgshift connection runs with, so text forms of values (key bounds,
// timestamps, floats) and catalog output (fully qualified names) are the same on every server.
// row_security = off (as pg_dump does): a table whose policies would filter the rows makes the
// server refuse the read instead of returning fewer rows that would then verify "equal".
#pragma once

#include "connectors/pg/connection.hpp"

namespace pgshift::pg {

inline constexpr const char* kSessionSetup =
    "SET search_path = ''; SET DateStyle = ISO; SET TimeZone = 'UTC'; "
    "SET IntervalStyle = postgres; SET extra_float_digits = 3; "
    "SET standard_conforming_strings = on; SET client_encoding = 'UTF8'; SET row_security = off; "
    "SET application_name = 'pgshift'";

// Opens and prepares a connection; `label` is "source" or "target" in messages.
Task<Result<Connection>> open_session(const Endpoint& endpoint, std::string label);

}  // namespace pgshift::pg
