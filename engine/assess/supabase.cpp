#include "engine/assess/supabase.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace pgshift::assess {
namespace {

bool contains(const std::vector<std::string>& items, const std::string& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

}  // namespace

const std::vector<std::string>& supabase_internal_schemas() {
  static const std::vector<std::string> schemas = {"auth",
                                                   "storage",
                                                   "realtime",
                                                   "_realtime",
                                                   "extensions",
                                                   "graphql",
                                                   "graphql_public",
                                                   "vault",
                                                   "pgsodium",
                                                   "pgsodium_masks",
                                                   "supabase_functions",
                                                   "supabase_migrations",
                                                   "net",
                                                   "cron",
                                                   "_analytics",
                                                   "_supavisor",
                                                   "pgbouncer",
                                                   "pgtle",
                                                   "pgmq"};
  return schemas;
}

const std::vector<std::string>& supabase_internal_roles() {
  static const std::vector<std::string> roles = {"anon",
                                                 "authenticated",
                                                 "service_role",
                                                 "authenticator",
                                                 "supabase_admin",
                                                 "dashboard_user",
                                                 "supabase_auth_admin",
                                                 "supabase_storage_admin",
                                                 "supabase_functions_admin",
                                                 "supabase_realtime_admin",
                                                 "supabase_replication_admin",
                                                 "supabase_read_only_user",
                                                 "supabase_etl_admin",
                                                 "pgbouncer",
                                                 "pgsodium_keyholder",
                                                 "pgsodium_keyiduser",
                                                 "pgsodium_keymaker"};
  return roles;
}

bool is_supabase_role(const std::string& role) {
  return contains(supabase_internal_roles(), role);
}

std::vector<std::string> internal_schemas_to_leave_out(Provider provider,
                                                       const std::vector<std::string>& schemas) {
  std::vector<std::string> out;
  if (provider != Provider::kSupabase) return out;
  for (const auto& schema : supabase_internal_schemas()) {
    if (contains(schemas, schema)) out.push_back(schema);
  }
  return out;
}

std::vector<Finding> judge_references(const std::vector<Reference>& references) {
  std::vector<Finding> out;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& reference : references) {
    if (!seen.insert({reference.object, reference.referenced}).second) continue;
    Finding finding;
    finding.severity = Severity::kWarning;
    std::string where = " (schema " + reference.referenced_schema + " is left out)";
    if (reference.kind == "foreign key") {
      finding.code = "foreign_key_to_left_out_table";
      finding.message = reference.object + " references " + reference.referenced + where;
      finding.fix =
          "migrate leaves this foreign key out; recreate it on the target once the "
          "referenced table exists there";
    } else {
      finding.code = reference.kind == "default" ? "default_uses_left_out_function"
                                                 : "object_uses_left_out_schema";
      finding.message = reference.object + " uses " + reference.referenced + where;
      if (!reference.extension.empty()) {
        finding.fix = "before migrating, on the target: CREATE SCHEMA IF NOT EXISTS " +
                      sql_name(reference.referenced_schema) + "; CREATE EXTENSION IF NOT EXISTS " +
                      sql_name(reference.extension) + " WITH SCHEMA " +
                      sql_name(reference.referenced_schema) + ";";
      } else {
        finding.fix = "create " + reference.referenced +
                      " on the target before migrating, or change the " + reference.kind +
                      " on the source";
      }
    }
    out.push_back(std::move(finding));
  }
  return out;
}

std::vector<Finding> judge_role_uses(const std::vector<PolicyFact>& policies,
                                     const std::vector<GrantFact>& grants,
                                     const std::vector<std::string>& target_roles,
                                     bool keep_owners) {
  std::vector<Finding> out;
  for (const auto& policy : policies) {
    std::vector<std::string> missing, platform;
    for (const auto& role : policy.roles) {
      if (!contains(target_roles, role)) missing.push_back(role);
      if (is_supabase_role(role)) platform.push_back(role);
    }
    if (missing.empty() && platform.empty()) continue;
    Finding finding;
    finding.severity = Severity::kWarning;
    finding.code = missing.empty() ? "policy_for_supabase_role" : "policy_role_missing_on_target";
    std::string roles = name_list(policy.roles, 20);
    finding.message = "policy " + policy.name + " on " + policy.table + " applies TO " + roles +
                      (platform.empty() ? "" : " (Supabase roles)") +
                      (missing.empty() ? "" : "; missing on the target: " + name_list(missing, 20));
    if (missing.empty()) {
      finding.fix = "the roles exist on the target: check they mean the same there";
    } else {
      std::string create;
      for (const auto& role : missing) create += "CREATE ROLE " + sql_name(role) + " NOLOGIN; ";
      finding.fix = "before migrating, on the target: " + create +
                    "or drop the policy and write one for your new roles";
    }
    out.push_back(std::move(finding));
  }
  std::map<std::string, std::set<std::string>> tables_by_role;
  std::set<std::string> tables;
  for (const auto& grant : grants) {
    if (!is_supabase_role(grant.role)) continue;
    tables_by_role[grant.role].insert(grant.table);
    tables.insert(grant.table);
  }
  if (!tables.empty()) {
    std::vector<std::string> roles, table_names(tables.begin(), tables.end());
    for (const auto& [role, unused] : tables_by_role) roles.push_back(role);
    Finding finding;
    finding.severity = Severity::kWarning;
    finding.code = "grants_to_supabase_roles";
    finding.message =
        std::to_string(tables.size()) + (tables.size() == 1 ? " table grants" : " tables grant") +
        " privileges to Supabase roles (" + name_list(roles, 20) + "): " + name_list(table_names);
    finding.fix = keep_owners ? "create these roles on the target first, or migrate without "
                                "--keep-owners and grant your new roles what they need"
                              : "grants are not copied (owners and grants are left out): grant "
                                "your new application roles what they need on the target";
    out.push_back(std::move(finding));
  }
  return out;
}

}  // namespace pgshift::assess
