#include "engine/assess/target_reader.hpp"

#include "engine/assess/server_reader.hpp"
#include "engine/model/pg_quote.hpp"
#include "engine/state/run_state.hpp"

namespace pgshift::assess {

Task<Result<std::vector<TargetTable>>> read_target_tables(pg::Connection& target) {
  auto tables = co_await target.query(R"SQL(
    SELECT n.nspname, c.relname FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname !~ '^pg_(toast|temp)'
    ORDER BY 1, 2 LIMIT 1000)SQL");
  if (!tables) co_return fail(tables.error());
  std::vector<TargetTable> out;
  for (int row = 0; row < tables->rows(); ++row) {
    TargetTable table{tables->text(row, 0), tables->text(row, 1), false};
    std::string qualified =
        pg::quote_identifier(table.schema) + "." + pg::quote_identifier(table.name);
    auto has_rows = co_await target.query("SELECT EXISTS (SELECT 1 FROM ONLY " + qualified + ")");
    if (!has_rows) co_return fail(has_rows.error());
    table.has_rows = has_rows->boolean(0, 0);
    out.push_back(std::move(table));
  }
  co_return out;
}

Task<Result<std::vector<std::string>>> read_user_schemas(pg::Connection& connection) {
  auto result = co_await connection.query(
      "SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname NOT IN ('information_schema', "
      "'pgshift') AND nspname !~ '^pg_' ORDER BY 1");
  if (!result) co_return fail(result.error());
  std::vector<std::string> out;
  for (int row = 0; row < result->rows(); ++row) out.push_back(result->text(row, 0));
  co_return out;
}

Task<Result<TargetFacts>> read_target_facts(pg::Connection& target, const Endpoint& endpoint) {
  TargetFacts facts;
  auto server = co_await read_server_facts(target, endpoint, "target");
  if (!server) co_return fail(server.error());
  facts.server = std::move(*server);

  bool has_trusted = target.server_version() >= 130000;
  auto extensions = co_await target.query(
      std::string("SELECT name, string_agg(version, E'\\x1f' ORDER BY version), ") +
      (has_trusted ? "bool_or(trusted)" : "false") +
      ", COALESCE(max(CASE WHEN installed THEN version END), '') "
      "FROM pg_catalog.pg_available_extension_versions GROUP BY name");
  if (!extensions) co_return fail(extensions.error());
  for (int row = 0; row < extensions->rows(); ++row) {
    AvailableExtension extension;
    std::string versions = extensions->text(row, 1);
    for (std::size_t start = 0;;) {
      auto at = versions.find('\x1f', start);
      extension.versions.push_back(versions.substr(start, at - start));
      if (at == std::string::npos) break;
      start = at + 1;
    }
    extension.trusted = extensions->boolean(row, 2);
    extension.installed_version = extensions->text(row, 3);
    facts.extensions[extensions->text(row, 0)] = std::move(extension);
  }

  auto tables = co_await read_target_tables(target);
  if (!tables) co_return fail(tables.error());
  facts.tables = std::move(*tables);

  auto roles = co_await target.query("SELECT rolname FROM pg_catalog.pg_roles ORDER BY 1");
  if (!roles) co_return fail(roles.error());
  for (int row = 0; row < roles->rows(); ++row) facts.roles.push_back(roles->text(row, 0));

  auto public_schema = co_await target.query(
      "SELECT pg_catalog.has_schema_privilege(oid, 'CREATE') FROM pg_catalog.pg_namespace "
      "WHERE nspname = 'public'");
  if (!public_schema) co_return fail(public_schema.error());
  facts.public_schema_exists = public_schema->rows() == 1;
  facts.can_create_in_public = facts.public_schema_exists && public_schema->boolean(0, 0);

  auto run = co_await state::load_run(target);
  if (!run) co_return fail(run.error());
  if (*run) facts.recorded_run = "started " + (*run)->started_at + ", phase " + (*run)->phase;
  co_return facts;
}

Task<Result<TargetFacts>> assess_target(pg::Connection& target, const Endpoint& endpoint) {
  // A pooler shows itself only between transactions.
  auto pooler = co_await probe_pooler(target, endpoint);
  auto begun = co_await target.query("BEGIN READ ONLY");
  if (!begun) co_return fail(begun.error());
  auto facts = co_await read_target_facts(target, endpoint);
  if (!facts) co_return fail(facts.error());
  co_await target.query("COMMIT");
  facts->server.pooler = pooler;
  co_return facts;
}

}  // namespace pgshift::assess
