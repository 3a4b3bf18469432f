#include "engine/assess/readiness.hpp"

#include "engine/assess/finding.hpp"

namespace pgshift::assess {

std::optional<IdentityGap> replica_identity_gap(const TableFacts& table) {
  if (table.partitioned_parent) return std::nullopt;  // its partitions hold the rows
  std::string name = sql_table(table.schema, table.name);
  IdentityGap gap;
  gap.table = table.qualified();
  if (table.replica_identity == 'f' || table.replica_identity == 'i') return std::nullopt;
  if (table.replica_identity == 'd') {
    if (table.has_primary_key) return std::nullopt;
    gap.reason = "no primary key (REPLICA IDENTITY DEFAULT)";
  } else if (table.replica_identity == 'n') {
    gap.reason = "REPLICA IDENTITY NOTHING";
    if (table.has_primary_key) {
      gap.fix = "ALTER TABLE " + name + " REPLICA IDENTITY DEFAULT;";
      return gap;
    }
  } else {
    return std::nullopt;
  }
  if (!table.unique_index.empty()) {
    gap.fix = "ALTER TABLE " + name + " REPLICA IDENTITY USING INDEX " +
              sql_name(table.unique_index) + ";";
  } else {
    gap.fix = "add a primary key (ALTER TABLE " + name +
              " ADD PRIMARY KEY (...)), or ALTER TABLE " + name +
              " REPLICA IDENTITY FULL; (logs whole old rows)";
  }
  return gap;
}

Readiness judge_readiness(const ServerFacts& source, Provider provider,
                          const std::vector<TableFacts>& tables) {
  Readiness out;
  out.wal_level = source.wal_level;
  out.free_replication_slots = source.max_replication_slots - source.used_replication_slots;
  out.free_wal_senders = source.max_wal_senders - source.used_wal_senders;
  out.replication_privilege = can_replicate(source);

  bool logical = source.wal_level == "logical";
  out.items.push_back(
      {"wal_level", logical,
       "wal_level is " + source.wal_level + (logical ? "" : " (logical decoding needs logical)"),
       logical ? "" : wal_level_fix(provider)});
  bool slots = out.free_replication_slots >= 1;
  out.items.push_back({"replication_slots", slots,
                       std::to_string(out.free_replication_slots) + " of " +
                           std::to_string(source.max_replication_slots) + " replication slots free",
                       slots ? ""
                             : "drop unused slots (SELECT pg_drop_replication_slot(name)) or raise "
                               "max_replication_slots (restart)"});
  bool senders = out.free_wal_senders >= 1;
  out.items.push_back(
      {"wal_senders", senders,
       std::to_string(out.free_wal_senders) + " of " + std::to_string(source.max_wal_senders) +
           " WAL senders free",
       senders ? "" : "raise max_wal_senders (restart), or stop an idle replication client"});
  out.items.push_back(
      {"replication_privilege", out.replication_privilege,
       "user " + source.user +
           (out.replication_privilege ? " may replicate" : " lacks the REPLICATION privilege"),
       out.replication_privilege ? "" : replication_privilege_fix(provider, source.user)});
  std::string unlogged, first_unlogged;
  int unlogged_count = 0;
  for (const auto& table : tables) {
    if (table.unlogged) {
      if (++unlogged_count <= 10) unlogged += (unlogged.empty() ? "" : ", ") + table.qualified();
      if (first_unlogged.empty()) first_unlogged = sql_table(table.schema, table.name);
      continue;  // its identity does not matter: nothing of it is published
    }
    if (auto gap = replica_identity_gap(table)) out.tables_without_identity.push_back(*gap);
  }
  // Listed only when there are some: a publication refuses them outright.
  if (unlogged_count > 0) {
    if (unlogged_count > 10) unlogged += " and " + std::to_string(unlogged_count - 10) + " more";
    out.items.push_back(
        {"unlogged_tables", false,
         std::to_string(unlogged_count) +
             " UNLOGGED table(s), whose changes never reach the WAL, so no stream can follow "
             "them: " +
             unlogged,
         "ALTER TABLE " + first_unlogged +
             " SET LOGGED; (rewrites it), or leave them out of sync with --exclude-table and "
             "copy them with migrate in the maintenance window"});
  }
  out.ready = logical && slots && senders && out.replication_privilege &&
              out.tables_without_identity.empty() && unlogged_count == 0;
  return out;
}

}  // namespace pgshift::assess
