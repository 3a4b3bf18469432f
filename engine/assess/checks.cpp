#include "engine/assess/checks.hpp"

#include <algorithm>
#include <set>
#include <sstream>

#include "engine/core/ascii_text.hpp"

namespace pgshift::assess {
namespace {

bool in_comma_list(const std::string& list, const std::string& name) {
  std::istringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    auto start = item.find_first_not_of(' ');
    auto end = item.find_last_not_of(' ');
    if (start != std::string::npos &&
        ascii_lower(item.substr(start, end - start + 1)) == ascii_lower(name)) {
      return true;
    }
  }
  return false;
}

std::string missing_extension_fix(const std::string& name, Provider provider) {
  switch (provider) {
    case Provider::kSelfHosted:
      return "install the package providing " + name +
             " on the target server (postgresql-contrib or postgresql-<major>-" + name +
             "), or DROP EXTENSION " + name + " on the source if nothing uses it";
    default:
      return std::string(provider_name(provider)) + " does not offer " + name +
             ": DROP EXTENSION " + name +
             " on the source if nothing uses it, or choose a target that offers it";
  }
}

}  // namespace

std::string version_text(int version_num) {
  int major = version_num / 10000;
  if (major >= 10) return std::to_string(major) + "." + std::to_string(version_num % 10000);
  return std::to_string(major) + "." + std::to_string(version_num / 100 % 100) + "." +
         std::to_string(version_num % 100);
}

std::optional<Finding> check_versions(int source_version_num, int target_version_num) {
  // Comparable major versions: 15 -> 1500, 9.6 -> 906.
  auto major = [](int num) { return num >= 100000 ? num / 10000 * 100 : num / 100; };
  if (major(target_version_num) >= major(source_version_num)) return std::nullopt;
  return blocker("target_older_than_source",
                 "target server is PostgreSQL " + version_text(target_version_num) +
                     ", older than the source's " + version_text(source_version_num),
                 "migrate to a target of the same or a newer major version");
}

std::vector<Finding> check_target_empty(
    const std::vector<TargetTable>& target_tables,
    const std::vector<std::pair<std::string, std::string>>& source_tables,
    const std::vector<std::string>& target_schemas,
    const std::vector<std::string>& source_schemas) {
  std::vector<Finding> out;
  std::set<std::pair<std::string, std::string>> wanted(source_tables.begin(), source_tables.end());
  for (const auto& table : target_tables) {
    std::string name = table.schema + "." + table.name;
    if (table.has_rows) {
      out.push_back(
          blocker("target_not_empty",
                  "target is not empty: table " + name + " holds rows that pgshift did not copy",
                  "migrate into an empty database"));
    } else if (wanted.count({table.schema, table.name})) {
      out.push_back(blocker("target_table_exists", "target already has table " + name,
                            "pgshift creates the schema itself: use an empty database"));
    }
  }
  for (const auto& schema : source_schemas) {
    if (schema == "public" || schema == "pgshift") continue;
    if (std::find(target_schemas.begin(), target_schemas.end(), schema) == target_schemas.end()) {
      continue;
    }
    out.push_back(blocker(
        "target_schema_exists",
        "target already has schema " + schema + ", which the source's schema creates",
        "drop it on the target (DROP SCHEMA " + schema + ") or migrate into an empty database"));
  }
  return out;
}

std::vector<Finding> check_target_state(
    const TargetFacts& target,
    const std::vector<std::pair<std::string, std::string>>& source_tables,
    const std::vector<std::string>& source_schemas) {
  if (target.recorded_run.empty()) {
    return check_target_empty(target.tables, source_tables, target.server.schemas, source_schemas);
  }
  return {Finding{Severity::kInfo, "run_recorded_in_target",
                  "a pgshift migration is recorded in the target (" + target.recorded_run +
                      "): migrate resumes it",
                  "to start over instead: pgshift cleanup, then an empty target database"}};
}

std::vector<Finding> check_extensions(const std::vector<ExtensionFact>& used,
                                      const TargetFacts& target, Provider target_provider) {
  std::vector<Finding> out;
  for (const auto& extension : used) {
    if (extension.name == "plpgsql") continue;
    auto it = target.extensions.find(extension.name);
    if (it == target.extensions.end()) {
      out.push_back(blocker("extension_missing",
                            "extension " + extension.name + " " + extension.version +
                                " (used by the source) is not available on the target server",
                            missing_extension_fix(extension.name, target_provider)));
      continue;
    }
    const AvailableExtension& offered = it->second;
    if (!offered.installed_version.empty()) continue;  // CREATE EXTENSION IF NOT EXISTS: a no-op
    if (target_provider == Provider::kAzure && !target.server.azure_extensions.empty() &&
        !in_comma_list(target.server.azure_extensions, extension.name)) {
      out.push_back(blocker(
          "extension_not_allowed",
          "extension " + extension.name + " is not in the target's azure.extensions allow-list",
          "add " + extension.name +
              " to the server parameter azure.extensions (portal: Server "
              "parameters), then retry"));
      continue;
    }
    if (!offered.trusted && !target.server.superuser) {
      out.push_back(warning("extension_needs_superuser",
                            "extension " + extension.name +
                                " is not trusted: creating it on the target needs a superuser",
                            "create it beforehand as the admin user (CREATE EXTENSION " +
                                extension.name + ";) or ask the provider"));
    }
    if (!extension.version.empty() && std::find(offered.versions.begin(), offered.versions.end(),
                                                extension.version) == offered.versions.end()) {
      out.push_back(warning("extension_version_differs",
                            "extension " + extension.name + " is version " + extension.version +
                                " on the source; the target offers " + name_list(offered.versions),
                            "ALTER EXTENSION " + extension.name +
                                " UPDATE on whichever side is older, or check the target's "
                                "version suits your data"));
    }
  }
  return out;
}

std::vector<Finding> check_source_privileges(const SourceFacts& source) {
  std::vector<Finding> out;
  const std::string& user = source.server.user;
  std::vector<std::string> unreadable;
  std::set<std::string> schemas;
  for (const auto& table : source.tables) {
    if (table.can_select) continue;
    unreadable.push_back(table.qualified());
    schemas.insert(table.schema);
  }
  if (!unreadable.empty()) {
    std::vector<std::string> schema_list(schemas.begin(), schemas.end());
    out.push_back(blocker("source_select_privilege",
                          "source user " + user + " cannot read " +
                              std::to_string(unreadable.size()) + " table" +
                              (unreadable.size() == 1 ? "" : "s") + ": " + name_list(unreadable),
                          "as the tables' owner: GRANT SELECT ON ALL TABLES IN SCHEMA " +
                              name_list(schema_list, 100) + " TO " + user + ";"));
  }
  if (!source.unreadable_sequences.empty()) {
    out.push_back(blocker(
        "source_sequence_privilege",
        "source user " + user + " cannot read sequences " + name_list(source.unreadable_sequences),
        "as their owner: GRANT SELECT ON SEQUENCE ... TO " + user +
            "; (or ON ALL SEQUENCES IN SCHEMA ...)"));
  }
  if (auto hidden = check_row_security("source", user, source.tables)) {
    out.push_back(std::move(*hidden));
  }
  if (!source.snapshot_exported) {
    out.push_back(blocker(
        "source_snapshot",
        "the source cannot export a snapshot (pg_export_snapshot): " + source.snapshot_error,
        source.server.in_recovery
            ? "connect to the primary server, not a read replica"
            : "connect directly to the server (not through a transaction pooler)"));
  }
  return out;
}

std::optional<Finding> check_row_security(const std::string& side, const std::string& user,
                                          const std::vector<TableFacts>& tables) {
  std::vector<std::string> hidden;
  for (const auto& table : tables) {
    if (table.row_security_applies) hidden.push_back(table.qualified());
  }
  if (hidden.empty()) return std::nullopt;
  return blocker(side + "_row_security",
                 "row-level security would hide rows of " + std::to_string(hidden.size()) +
                     " table" + (hidden.size() == 1 ? "" : "s") + " from " + side + " user " +
                     user + ": " + name_list(hidden),
                 "connect as the tables' owner (without FORCE ROW LEVEL SECURITY) or a "
                 "superuser, or as a superuser run: ALTER ROLE " +
                     user + " BYPASSRLS;");
}

std::vector<Finding> check_target_privileges(const TargetFacts& target, bool source_uses_public) {
  std::vector<Finding> out;
  const ServerFacts& server = target.server;
  if (server.in_recovery) {
    out.push_back(blocker("target_read_only", "the target is a read-only replica (in recovery)",
                          "connect to the target's primary server"));
    return out;
  }
  if (server.default_read_only) {
    out.push_back(blocker("target_read_only",
                          "default_transaction_read_only is on for " + server.user + " in " +
                              server.database + " on the target",
                          "ALTER DATABASE " + server.database +
                              " SET default_transaction_read_only = off (or use another user)"));
  }
  if (!server.can_create_in_database) {
    out.push_back(blocker(
        "target_create_privilege",
        "target user " + server.user + " cannot create schemas in database " + server.database,
        "as the database owner: GRANT CREATE ON DATABASE " + server.database + " TO " +
            server.user + ";"));
  }
  if (source_uses_public && !target.public_schema_exists) {
    out.push_back(blocker("target_public_missing",
                          "the source has tables in schema public, which the target lacks",
                          "on the target: CREATE SCHEMA public;"));
  } else if (source_uses_public && !target.can_create_in_public) {
    out.push_back(blocker(
        "target_public_privilege",
        "target user " + server.user + " cannot create tables in schema public",
        "as the owner of schema public: GRANT CREATE ON SCHEMA public TO " + server.user + ";"));
  }
  return out;
}

std::vector<Finding> check_binary_io(const std::vector<TableFacts>& tables) {
  std::vector<Finding> out;
  for (const auto& table : tables) {
    if (table.columns_without_binary_io.empty()) continue;
    out.push_back(blocker("type_without_binary_io",
                          table.qualified() + ": column " +
                              name_list(table.columns_without_binary_io) +
                              " has a type without binary send/receive functions, which binary "
                              "COPY cannot carry",
                          "leave the table out (--exclude-table " + table.qualified() +
                              ") and copy it separately (pg_dump --table)"));
  }
  return out;
}

std::optional<Finding> check_pooler(const ServerFacts& server) {
  std::string fix =
      "use the direct connection (Supabase: db.<project>.supabase.co:5432; otherwise the "
      "server's own host and port): pgshift holds one snapshot across many transactions, keeps "
      "session settings and streams COPY, which a transaction pooler breaks";
  std::string host = ascii_lower(server.host);
  const PoolerProbe& probe = server.pooler;
  std::string why;
  if (probe.probed && probe.first_pid != probe.second_pid) {
    why = "successive transactions on one connection ran on different server backends (pids " +
          std::to_string(probe.first_pid) + ", " + std::to_string(probe.second_pid) + ")";
  } else if (probe.probed && probe.first_pid == probe.other_connection_pid) {
    why = "two client connections shared one server backend (pid " +
          std::to_string(probe.first_pid) + ")";
  } else if (server.port == "6543") {
    why = "port 6543 is Supabase's transaction pooler (Supavisor)";
  }
  if (!why.empty()) {
    return warning("transaction_pooler",
                   "the " + server.side + " connection goes through a transaction pooler: " + why,
                   fix);
  }
  if (host.find("pooler.supabase.com") != std::string::npos) {
    return warning("session_pooler",
                   "the " + server.side + " connection goes through Supavisor in session mode",
                   "migrate works through it, but replication (sync) needs the direct "
                   "connection: db.<project>.supabase.co:5432");
  }
  return std::nullopt;
}

std::vector<Finding> check_retained_wal(const ServerFacts& source) {
  std::vector<Finding> out;
  for (const auto& [slot, bytes] : source.pgshift_slots_retained) {
    if (bytes <= kRetainedWalWarnBytes) continue;
    out.push_back(warning(
        "slot_retains_wal",
        "replication slot " + slot + " keeps " + std::to_string(bytes >> 20) +
            " MB of WAL on the source (the source cannot recycle it until the slot is followed)",
        "run the `pgshift sync` it belongs to so it catches up, or drop it with `pgshift cleanup "
        "--source S --target T`"));
  }
  return out;
}

}  // namespace pgshift::assess
