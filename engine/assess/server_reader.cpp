#include "engine/assess/server_reader.hpp"

#include "engine/assess/source_reader.hpp"
#include "engine/assess/supabase.hpp"

namespace pgshift::assess {
namespace {

const std::vector<std::string> kProviderRoles = {"rds_superuser", "rds_replication",
                                                 "azure_pg_admin", "azuresu"};

std::vector<std::string> column(const pg::PgResult& result, int index = 0) {
  std::vector<std::string> out;
  for (int row = 0; row < result.rows(); ++row) out.push_back(result.text(row, index));
  return out;
}

}  // namespace

Task<Result<ServerFacts>> read_server_facts(pg::Connection& connection, const Endpoint& endpoint,
                                            std::string side) {
  ServerFacts facts;
  facts.side = std::move(side);
  facts.host = endpoint.option("host");
  if (facts.host.empty()) facts.host = endpoint.option("hostaddr");
  facts.port = endpoint.option("port");
  if (facts.port.empty()) facts.port = "5432";
  auto main = co_await connection.query(R"SQL(
    SELECT pg_catalog.current_setting('server_version_num')::int,
           pg_catalog.current_setting('server_version'), current_user, pg_catalog.current_database(),
           r.rolsuper, r.rolreplication,
           pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE'),
           pg_catalog.has_database_privilege(pg_catalog.current_database(), 'TEMP'),
           pg_catalog.pg_is_in_recovery(),
           pg_catalog.current_setting('default_transaction_read_only') = 'on',
           pg_catalog.current_setting('wal_level'),
           pg_catalog.current_setting('max_replication_slots')::int,
           (SELECT count(*) FROM pg_catalog.pg_replication_slots)::int,
           pg_catalog.current_setting('max_wal_senders')::int,
           (SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE backend_type = 'walsender')::int,
           COALESCE(pg_catalog.current_setting('azure.extensions', true), '')
    FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)SQL");
  if (!main) co_return fail(main.error());
  if (main->rows() != 1) co_return fail(ErrorKind::kRuntime, "cannot read the current role");
  facts.version_num = static_cast<int>(main->integer(0, 0));
  facts.version = main->text(0, 1);
  facts.user = main->text(0, 2);
  facts.database = main->text(0, 3);
  facts.superuser = main->boolean(0, 4);
  facts.replication_role = main->boolean(0, 5);
  facts.can_create_in_database = main->boolean(0, 6);
  facts.can_create_temp = main->boolean(0, 7);
  facts.in_recovery = main->boolean(0, 8);
  facts.default_read_only = main->boolean(0, 9);
  facts.wal_level = main->text(0, 10);
  facts.max_replication_slots = static_cast<int>(main->integer(0, 11));
  facts.used_replication_slots = static_cast<int>(main->integer(0, 12));
  facts.max_wal_senders = static_cast<int>(main->integer(0, 13));
  facts.used_wal_senders = static_cast<int>(main->integer(0, 14));
  facts.azure_extensions = main->text(0, 15);

  auto slots = co_await connection.query(R"SQL(
    SELECT slot_name, pg_catalog.pg_wal_lsn_diff(CASE WHEN pg_catalog.pg_is_in_recovery()
             THEN pg_catalog.pg_last_wal_receive_lsn() ELSE pg_catalog.pg_current_wal_lsn() END,
           restart_lsn)::bigint
    FROM pg_catalog.pg_replication_slots
    WHERE slot_name LIKE 'pgshift\_%' AND restart_lsn IS NOT NULL ORDER BY 1)SQL");
  if (!slots) co_return fail(slots.error());
  for (int row = 0; row < slots->rows(); ++row) {
    facts.pgshift_slots_retained.emplace_back(slots->text(row, 0), slots->integer(row, 1));
  }

  auto settings = co_await connection.query(
      "SELECT name FROM pg_catalog.pg_settings WHERE name LIKE 'rds.%' OR name LIKE 'azure.%' "
      "OR name LIKE 'supautils.%' ORDER BY 1");
  if (!settings) co_return fail(settings.error());
  facts.provider_settings = column(*settings);

  std::vector<std::string> roles = kProviderRoles;
  roles.insert(roles.end(), supabase_internal_roles().begin(), supabase_internal_roles().end());
  auto known = co_await connection.query(
      "SELECT rolname, pg_catalog.pg_has_role(current_user, oid, 'MEMBER') "
      "FROM pg_catalog.pg_roles WHERE rolname = ANY(" +
      sql_text_array(roles) + ") ORDER BY 1");
  if (!known) co_return fail(known.error());
  for (int row = 0; row < known->rows(); ++row) {
    facts.known_roles.push_back(known->text(row, 0));
    if (known->boolean(row, 1)) facts.member_of.push_back(known->text(row, 0));
  }

  auto schemas = co_await connection.query(
      "SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname <> 'information_schema' "
      "AND nspname !~ '^pg_' ORDER BY 1");
  if (!schemas) co_return fail(schemas.error());
  facts.schemas = column(*schemas);
  co_return facts;
}

Task<PoolerProbe> probe_pooler_once(pg::Connection& connection, const Endpoint& endpoint) {
  PoolerProbe probe;
  const char* sql = "SELECT pg_catalog.pg_backend_pid()";
  auto first = co_await connection.query(sql);
  auto second = co_await connection.query(sql);
  if (!first || !second) co_return probe;
  auto other = co_await pg::Connection::open(endpoint, connection.label());
  if (!other) co_return probe;
  auto third = co_await other->query(sql);
  if (!third) co_return probe;
  probe.first_pid = static_cast<int>(first->integer(0, 0));
  probe.second_pid = static_cast<int>(second->integer(0, 0));
  probe.other_connection_pid = static_cast<int>(third->integer(0, 0));
  probe.probed = true;
  co_return probe;
}

// A pooler's reuse of server connections depends on timing; a direct connection never shares or
// changes its backend. So a few probes: pooled if any shows it.
Task<PoolerProbe> probe_pooler(pg::Connection& connection, const Endpoint& endpoint) {
  PoolerProbe probe;
  for (int attempt = 0; attempt < 3; ++attempt) {
    probe = co_await probe_pooler_once(connection, endpoint);
    if (!probe.probed) break;
    bool moved = probe.first_pid != probe.second_pid;
    bool shared = probe.other_connection_pid == probe.first_pid ||
                  probe.other_connection_pid == probe.second_pid;
    if (moved || shared) break;
  }
  co_return probe;
}

}  // namespace pgshift::assess
