#include "engine/sync/sync_preflight.hpp"

#include <spdlog/spdlog.h>

#include "engine/assess/provider.hpp"
#include "engine/assess/readiness.hpp"
#include "engine/assess/server_reader.hpp"
#include "engine/assess/source_reader.hpp"
#include "engine/model/pg_quote.hpp"

namespace pgshift::sync {

Task<Status> check_sync_readiness(pg::Connection& source, const SyncOptions& options,
                                  const std::vector<Table>& tables, bool slot_exists,
                                  std::vector<std::string>& warnings) {
  auto server = co_await assess::read_server_facts(source, options.copy.source, "source");
  if (!server) co_return fail(server.error());
  auto facts = co_await assess::read_table_facts(source, tables, false);
  if (!facts) co_return fail(facts.error());
  auto provider = assess::detect_provider(*server).provider;
  auto readiness = assess::judge_readiness(*server, provider, *facts);
  std::string unmet;
  for (const auto& item : readiness.items) {
    // A rerun follows the slot it made: it needs no free one, and a table made UNLOGGED since is
    // not in its publication (cutover names it: stream_coverage.hpp).
    if (item.ok ||
        (slot_exists && (item.code == "replication_slots" || item.code == "unlogged_tables"))) {
      continue;
    }
    unmet += (unmet.empty() ? "" : "; ") + item.message + " (fix: " + item.fix + ")";
  }
  if (!unmet.empty())
    co_return fail(ErrorKind::kRefused, "the source is not ready for sync: " + unmet);
  if (readiness.tables_without_identity.empty()) co_return Status{};
  if (!options.replica_identity_full) {
    std::string listed;
    for (std::size_t i = 0; i < readiness.tables_without_identity.size() && i < 10; ++i) {
      const auto& gap = readiness.tables_without_identity[i];
      listed += (i ? "; " : "") + gap.table + ": " + gap.reason + " (fix: " + gap.fix + ")";
    }
    if (readiness.tables_without_identity.size() > 10) listed += "; ...";
    co_return fail(ErrorKind::kRefused,
                   std::to_string(readiness.tables_without_identity.size()) +
                       " table(s) have no replica identity, so their UPDATE and DELETE cannot be "
                       "followed: " +
                       listed + "; or rerun with --replica-identity-full to let pgshift set it");
  }
  for (const auto& gap : readiness.tables_without_identity) {
    auto dot = gap.table.find('.');
    std::string name = pg::quote_identifier(gap.table.substr(0, dot)) + "." +
                       pg::quote_identifier(gap.table.substr(dot + 1));
    auto altered = co_await source.query("ALTER TABLE " + name + " REPLICA IDENTITY FULL");
    if (!altered) {
      co_return fail(
          std::move(altered.error()).within("setting REPLICA IDENTITY FULL on " + gap.table));
    }
    std::string said = "set REPLICA IDENTITY FULL on " + gap.table + " (" + gap.reason +
                       "): each UPDATE and DELETE on it now logs the whole old row";
    spdlog::warn("{}", said);
    warnings.push_back(std::move(said));
  }
  co_return Status{};
}

}  // namespace pgshift::sync
