// Read-back parts in the run state (schema `pgshift`): a finished table's verification read is cut
// into ctid page ranges that any process of the run may claim (FOR UPDATE SKIP LOCKED, held until
// the part's sums commit), so processes sharing a run share a large table's read-back instead of
// one of them reading it alone while the others wait. Each part records, per chunk, the rows and
// digest sum of the rows it read (chunk 0 for a keyless table, read as a whole); since a digest is
// a sum, the parts add up to the chunks'. The table finisher that holds the table's advisory lock
// publishes the parts and adds up their sums. These functions build SQL and read rows; callers own
// connections and transactions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "connectors/pg/connection.hpp"
#include "engine/model/table.hpp"
#include "verify/chunk_digest.hpp"

namespace pgshift::state {

// The two tables, created with the schema (and by kUpgradeReadbackSql for older run states).
extern const char* const kReadbackPartsDdl;
// Creates them in a run state that predates them; a no-op once they exist.
extern const char* const kUpgradeReadbackSql;

struct ReadbackPart {
  std::size_t table = 0;
  int part = 0;
  Chunk pages;  // table_index, first_page and end_page set
};

// Replaces the table's parts with `pages` (in order) and drops their old sums, in one transaction.
// Deleting the parts first waits for any process still reading one of the old parts.
std::string publish_parts_sql(std::size_t table, const std::vector<Chunk>& pages);

// Opens a transaction and locks one unread part (of `table`, or of any table) in it, skipping parts
// other processes hold; the caller reads it, then commits record_part_sql. nullopt, with the
// transaction ended, when there is none to take.
Task<Result<std::optional<ReadbackPart>>> claim_part(pg::Connection& target,
                                                     std::optional<std::size_t> table);

// Marks a claimed part read and stores its sums per chunk (to send with its COMMIT).
std::string record_part_sql(const ReadbackPart& part,
                            const std::map<int, verify::ChunkDigest>& sums);

// Parts of `table` not yet read (claimed or not).
Task<Result<long long>> count_unread_parts(pg::Connection& target, std::size_t table);

// The table's sums added up per chunk over all its parts.
Task<Result<std::map<int, verify::ChunkDigest>>> load_part_sums(pg::Connection& target,
                                                                std::size_t table);

}  // namespace pgshift::state
