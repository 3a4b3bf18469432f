// Objects pg_dump dumps whatever --exclude-schema says, though they belong to an excluded schema:
// extensions installed in it (CREATE EXTENSION ... WITH SCHEMA would fail without the schema)
// and event triggers whose function lives in it; and pgshift's own publications. Migrate comments
// their TOC entries out. Reads only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "connectors/pg/catalog.hpp"
#include "connectors/pg/connection.hpp"

namespace pgshift::pg {

struct ExcludedObject {
  std::uint32_t catalog_oid = 0;  // pg_extension or pg_event_trigger, as in pg_dump's TOC
  std::uint32_t object_oid = 0;
  std::string description;  // "extension pg_graphql (schema graphql)"
};

Task<Result<std::vector<ExcludedObject>>> read_objects_in_excluded_schemas(
    Connection& connection, const TableFilter& filter);

// pgshift's own change-stream publications on this server (named pgshift_ and 16 hex digits, made
// by `sync` for some target: slot_setup.hpp) with their table and schema memberships. A sync's
// snapshot is taken after its publication exists, so pg_dump would copy it into the target, where
// it means nothing and a later run's CREATE PUBLICATION of that name would fail.
Task<Result<std::vector<ExcludedObject>>> read_pgshift_stream_publications(Connection& connection);

}  // namespace pgshift::pg
