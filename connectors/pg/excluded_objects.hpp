// Objects pg_dump dumps whatever --exclude-schema says, though they belong to an excluded schema:
// extensions installed in it (CREATE EXTENSION ... WITH SCHEMA would fail without the schema)
// and event triggers whose function lives in it. Migrate comments their TOC entries out. Reads
// only.
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

}  // namespace pgshift::pg
