// The facts an assessment judges, as plain values read from the two servers' catalogs (see
// server_reader, source_reader, target_reader). Judging them (checks, readiness, supabase,
// estimate) is done by pure functions, so every rule is unit-tested without a server.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pgshift::assess {

// Two `SELECT pg_backend_pid()` on one client connection (separate transactions) and one on a
// second connection: a transaction pooler shows different backends to one client, or one backend
// to two clients.
struct PoolerProbe {
  bool probed = false;
  int first_pid = 0;
  int second_pid = 0;
  int other_connection_pid = 0;
};

struct ServerFacts {
  std::string side;  // "source" | "target"
  std::string host;  // as given in the endpoint ("" = local socket)
  std::string port;
  int version_num = 0;  // server_version_num, e.g. 150004
  std::string version;  // server_version, e.g. "15.4 (Debian ...)"
  std::string user;
  std::string database;
  bool superuser = false;
  bool replication_role = false;       // rolreplication
  std::vector<std::string> member_of;  // provider roles the user belongs to (rds_replication, ...)
  bool can_create_in_database = false;
  bool can_create_temp = false;
  bool in_recovery = false;
  bool default_read_only = false;
  std::string wal_level;
  int max_replication_slots = 0;
  int used_replication_slots = 0;
  int max_wal_senders = 0;
  int used_wal_senders = 0;
  std::vector<std::string> provider_settings;  // names of rds.* / azure.* / supautils.* settings
  std::string azure_extensions;                // the azure.extensions allow-list, when set
  // pgshift's replication slots (pgshift_*) and the WAL each keeps on this server, in bytes.
  std::vector<std::pair<std::string, long long>> pgshift_slots_retained;
  std::vector<std::string> known_roles;  // provider roles that exist (supabase_admin, ...)
  std::vector<std::string> schemas;      // schemas of this database, system ones left out
  PoolerProbe pooler;
};

struct ExtensionFact {
  std::string name;
  std::string version;
  std::string schema;
};

// A table's facts beyond the copy model (engine/model/table.hpp).
struct TableFacts {
  std::string schema, name;
  bool partitioned_parent = false;
  bool can_select = true;
  // Row-level security would filter what the source user reads (RLS on, the user neither a
  // superuser nor BYPASSRLS, and not the owner or the table FORCEs it): pgshift reads with
  // row_security = off, so the server refuses instead of silently copying fewer rows.
  bool row_security_applies = false;
  char replica_identity = 'd';  // relreplident: d(efault) n(othing) f(ull) i(ndex)
  bool unlogged = false;        // its changes are never in the WAL, so no stream can follow them
  bool has_primary_key = false;
  std::string unique_index;  // a unique, non-partial index on NOT NULL columns, if any
  std::int64_t bytes = 0;    // heap + TOAST
  std::int64_t toast_bytes = 0;
  std::int64_t index_bytes = 0;
  double rows = 0;  // estimate, or exact with --exact
  bool rows_exact = false;
  std::vector<std::string> columns_without_binary_io;  // "column (type)"
  std::string qualified() const { return schema + "." + name; }
};

// A user object that depends on an object in a left-out schema (a foreign key to auth.users, a
// default calling extensions.uuid_generate_v4(), a policy calling auth.uid(), ...).
struct Reference {
  std::string kind;    // "foreign key" | "default" | "policy" | "view" | "trigger" | "constraint"
  std::string object;  // pg_describe_object() of the dependent object
  std::string table;   // schema.name the dependent object belongs to
  std::string referenced;  // pg_describe_object() of what it depends on
  std::string referenced_schema;
  std::string extension;  // the extension owning the referenced object, if any
};

struct PolicyFact {
  std::string table;  // schema.name
  std::string name;
  std::vector<std::string> roles;  // empty = PUBLIC
};

struct GrantFact {
  std::string table;  // schema.name
  std::string role;
};

struct Inventory {
  std::vector<std::string> schemas;
  int tables = 0;
  int partitioned_tables = 0;
  int partitions = 0;
  std::int64_t table_bytes = 0;  // heap + TOAST
  std::int64_t toast_bytes = 0;
  std::int64_t index_bytes = 0;
  double rows = 0;
  bool rows_exact = false;
  int indexes = 0;
  int primary_keys = 0;
  int unique_constraints = 0;
  int foreign_keys = 0;
  std::int64_t foreign_key_bytes = 0;  // heap of the referencing table, summed over foreign keys
  int check_constraints = 0;
  int exclusion_constraints = 0;
  int sequences = 0;
  int large_objects = 0;
  int generated_columns = 0;
  int triggers = 0;
  int views = 0;
  int materialized_views = 0;
  int functions = 0;
  int policies = 0;
  int user_types = 0;
  std::vector<ExtensionFact> extensions;
};

struct SourceFacts {
  ServerFacts server;
  Inventory inventory;
  std::vector<TableFacts> tables;
  std::vector<std::string> unreadable_sequences;
  bool snapshot_exported = false;
  std::string snapshot_error;
  std::vector<Reference> references;  // to objects in left-out schemas
  std::vector<PolicyFact> policies;   // policies naming roles other than PUBLIC
  std::vector<GrantFact> grants;      // table grants to provider roles (Supabase's anon, ...)
};

struct AvailableExtension {
  std::vector<std::string> versions;
  bool trusted = false;
  std::string installed_version;  // empty = not installed in the target database
};

struct TargetTable {
  std::string schema, name;
  bool has_rows = false;
};

struct TargetFacts {
  ServerFacts server;
  std::map<std::string, AvailableExtension> extensions;
  std::vector<TargetTable> tables;
  std::vector<std::string> roles;  // every role name on the target server
  bool public_schema_exists = false;
  bool can_create_in_public = false;
  std::string recorded_run;  // "" or "started <time>, phase <phase>" of a pgshift run
};

}  // namespace pgshift::assess
