#include "engine/assess/provider.hpp"

#include <algorithm>

#include "engine/core/ascii_text.hpp"

namespace pgshift::assess {
namespace {

bool ends_with_domain(const std::string& host, std::string_view domain) {
  return host == domain.substr(1) || host.ends_with(domain);
}

bool contains(const std::vector<std::string>& items, std::string_view item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

bool any_prefixed(const std::vector<std::string>& names, std::string_view prefix) {
  return std::any_of(names.begin(), names.end(),
                     [&](const std::string& name) { return name.starts_with(prefix); });
}

}  // namespace

const char* provider_name(Provider provider) {
  switch (provider) {
    case Provider::kSelfHosted:
      return "self-hosted";
    case Provider::kSupabase:
      return "Supabase";
    case Provider::kRailway:
      return "Railway";
    case Provider::kRds:
      return "Amazon RDS";
    case Provider::kAzure:
      return "Azure Database for PostgreSQL";
    case Provider::kRender:
      return "Render";
  }
  return "self-hosted";
}

Detection detect_provider(const ServerFacts& server) {
  // Host names first: they are the most specific (a comma-separated host list: the first one).
  std::string host = ascii_lower(server.host.substr(0, server.host.find(',')));
  if (ends_with_domain(host, ".supabase.co") || ends_with_domain(host, ".supabase.com")) {
    return {Provider::kSupabase, "host " + host};
  }
  if (ends_with_domain(host, ".railway.app") || ends_with_domain(host, ".rlwy.net") ||
      ends_with_domain(host, ".railway.internal")) {
    return {Provider::kRailway, "host " + host};
  }
  if (host.find(".rds.amazonaws.com") != std::string::npos) return {Provider::kRds, "host " + host};
  if (ends_with_domain(host, ".postgres.database.azure.com")) {
    return {Provider::kAzure, "host " + host};
  }
  if (ends_with_domain(host, ".render.com") || host.starts_with("dpg-")) {
    return {Provider::kRender, "host " + host};
  }
  // Then what the server itself shows.
  if (any_prefixed(server.provider_settings, "rds.") ||
      contains(server.known_roles, "rds_superuser")) {
    return {Provider::kRds, "rds.* settings and roles"};
  }
  if (any_prefixed(server.provider_settings, "azure.") ||
      contains(server.known_roles, "azure_pg_admin")) {
    return {Provider::kAzure, "azure.* settings and roles"};
  }
  bool supabase_schemas =
      contains(server.schemas, "auth") &&
      (contains(server.schemas, "storage") || contains(server.schemas, "supabase_migrations") ||
       contains(server.schemas, "realtime"));
  bool supabase_roles =
      contains(server.known_roles, "supabase_admin") ||
      (contains(server.known_roles, "anon") && contains(server.known_roles, "authenticated"));
  if (supabase_schemas &&
      (supabase_roles || any_prefixed(server.provider_settings, "supautils."))) {
    return {Provider::kSupabase, "schemas auth and storage, roles anon/authenticated"};
  }
  return {Provider::kSelfHosted, ""};
}

std::string wal_level_fix(Provider provider) {
  switch (provider) {
    case Provider::kRds:
      return "set rds.logical_replication = 1 in the instance's DB parameter group, then reboot "
             "the instance";
    case Provider::kAzure:
      return "set the server parameter wal_level = logical (portal: Server parameters), then "
             "restart the server";
    case Provider::kRailway:
      return "run ALTER SYSTEM SET wal_level = logical; then restart the service from the Railway "
             "dashboard";
    case Provider::kRender:
      return "ask Render support to enable logical replication (wal_level = logical) for this "
             "database";
    case Provider::kSupabase:
      return "Supabase runs wal_level = logical: connect to the project's direct host "
             "(db.<project>.supabase.co:5432), not a replica or pooler";
    case Provider::kSelfHosted:
      break;
  }
  return "run ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL";
}

std::string replication_privilege_fix(Provider provider, const std::string& user) {
  switch (provider) {
    case Provider::kRds:
      return "GRANT rds_replication TO " + user + ";";
    case Provider::kAzure:
      return "as the admin user: ALTER ROLE " + user + " WITH REPLICATION;";
    case Provider::kSupabase:
      return "connect as the postgres user, which has REPLICATION";
    default:
      break;
  }
  return "as a superuser: ALTER ROLE " + user + " WITH REPLICATION;";
}

bool can_replicate(const ServerFacts& server) {
  return server.superuser || server.replication_role ||
         contains(server.member_of, "rds_replication") ||
         contains(server.member_of, "azure_pg_admin");
}

}  // namespace pgshift::assess
