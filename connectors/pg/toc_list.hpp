// pg_restore's table of contents (`pg_restore -l`), parsed and rewritten as pure text functions:
// pgshift comments out the entries it performs itself, and the ones that fail on hosted targets.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/result.hpp"

namespace pgshift::pg {

struct TocEntry {
  std::string line;  // as pg_restore printed it
  int dump_id = 0;
  std::uint32_t catalog_oid = 0;
  std::uint32_t object_oid = 0;
  std::string description;  // "INDEX public idx owner", "FK CONSTRAINT public t fk owner", ...
};

std::vector<TocEntry> parse_toc(const std::string& listing);

// The list file for `pg_restore -L`: entries in `skip` (by catalog and object OID) and COMMENT ON
// EXTENSION (owner-only, fails for non-superusers) commented out.
std::string filtered_toc(const std::vector<TocEntry>& entries,
                         const std::set<std::pair<std::uint32_t, std::uint32_t>>& skip);

// The OIDs of the sequences the filtered list creates (SEQUENCE entries, identity sequences
// included, not those in `skip`): exactly the sequences whose values migrate sets afterwards.
std::vector<std::uint32_t> created_sequences(
    const std::vector<TocEntry>& entries,
    const std::set<std::pair<std::uint32_t, std::uint32_t>>& skip);

// pg_restore's SQL output as plain SQL for a libpq session: drops the psql meta-commands that
// recent pg_dump releases wrap it in (\restrict KEY first, \unrestrict KEY last).
Result<std::string> script_without_meta_commands(const std::string& script);

}  // namespace pgshift::pg
