#include "connectors/pg/excluded_objects.hpp"

namespace pgshift::pg {

Task<Result<std::vector<ExcludedObject>>> read_objects_in_excluded_schemas(
    Connection& connection, const TableFilter& filter) {
  std::vector<ExcludedObject> out;
  if (filter.exclude_schemas.empty()) co_return out;
  auto result = co_await connection.query(R"SQL(
    SELECT 'pg_catalog.pg_extension'::pg_catalog.regclass::oid, e.oid, 'extension ' || e.extname,
           n.nspname
    FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
    UNION ALL
    SELECT 'pg_catalog.pg_event_trigger'::pg_catalog.regclass::oid, t.oid,
           'event trigger ' || t.evtname, n.nspname
    FROM pg_catalog.pg_event_trigger t JOIN pg_catalog.pg_proc p ON p.oid = t.evtfoid
    JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    ORDER BY 3)SQL");
  if (!result) co_return fail(result.error());
  for (int row = 0; row < result->rows(); ++row) {
    std::string schema = result->text(row, 3);
    if (filter.accepts_schema(schema)) continue;
    out.push_back({static_cast<std::uint32_t>(result->integer(row, 0)),
                   static_cast<std::uint32_t>(result->integer(row, 1)),
                   result->text(row, 2) + " (schema " + schema + ")"});
  }
  co_return out;
}

Task<Result<std::vector<ExcludedObject>>> read_pgshift_stream_publications(Connection& connection) {
  // The membership of whole schemas (FOR TABLES IN SCHEMA) is new in PostgreSQL 15.
  std::string in_schema = connection.server_version() < 150000 ? "" : R"SQL(
    UNION ALL
    SELECT 'pg_catalog.pg_publication_namespace'::pg_catalog.regclass::oid, m.oid,
           'publication ' || p.pubname || ' schema ' || m.pnnspid::pg_catalog.regnamespace::text
    FROM pg_catalog.pg_publication_namespace m JOIN pub p ON p.oid = m.pnpubid)SQL";
  auto result = co_await connection.query(R"SQL(
    WITH pub AS (SELECT oid, pubname FROM pg_catalog.pg_publication
                 WHERE pubname ~ '^pgshift_[0-9a-f]{16}$')
    SELECT 'pg_catalog.pg_publication'::pg_catalog.regclass::oid, p.oid,
           'publication ' || p.pubname
    FROM pub p
    UNION ALL
    SELECT 'pg_catalog.pg_publication_rel'::pg_catalog.regclass::oid, r.oid,
           'publication ' || p.pubname || ' table ' || r.prrelid::pg_catalog.regclass::text
    FROM pg_catalog.pg_publication_rel r JOIN pub p ON p.oid = r.prpubid)SQL" +
                                          in_schema);
  if (!result) co_return fail(result.error());
  std::vector<ExcludedObject> out;
  for (int row = 0; row < result->rows(); ++row) {
    out.push_back({static_cast<std::uint32_t>(result->integer(row, 0)),
                   static_cast<std::uint32_t>(result->integer(row, 1)), result->text(row, 2)});
  }
  co_return out;
}

}  // namespace pgshift::pg
