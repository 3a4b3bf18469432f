// Materialized views, compared like keyless tables: a populated one by (row count, sum of row
// hashes) over all its rows with the canonical row hasher; whether each is populated; which exist
// on one side only. Reads run inside whatever transaction each connection is in (verify's
// snapshots); nothing is written. A materialized view whose columns differ between the sides, or
// have a type without binary output, is noted and its rows are not read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "connectors/pg/catalog.hpp"
#include "connectors/pg/connection.hpp"
#include "engine/model/binary_values.hpp"
#include "verify/chunk_digest.hpp"
#include "verify/report.hpp"

namespace pgshift::verify {

struct Matview {
  std::uint32_t oid = 0;
  std::string schema, name;
  std::string qualified;  // quoted, schema-qualified
  bool populated = false;
  std::vector<std::string> column_names;
  std::vector<std::string> column_types;  // format_type, to compare the sides
  std::vector<std::uint32_t> column_type_oids;
  bool binary_io = true;  // every column type has binary output (COPY binary can read it)
};

// User materialized views (not extension members, not in pgshift's schema) the filter accepts,
// by schema and name.
Task<Result<std::vector<Matview>>> read_matviews(pg::Connection& connection,
                                                 const pg::TableFilter& filter);

// Digest of every row of a populated materialized view.
Task<Result<ChunkDigest>> digest_matview(pg::Connection& connection, const Matview& matview,
                                         const pg::TypeShapes& shapes);

// Report entries for the materialized views of both sides (same filter), each compared.
Task<Result<std::vector<ReportTable>>> compare_matviews(pg::Connection& source,
                                                        const pg::TypeShapes& source_shapes,
                                                        pg::Connection& target,
                                                        const pg::TypeShapes& target_shapes,
                                                        const pg::TableFilter& filter);

}  // namespace pgshift::verify
