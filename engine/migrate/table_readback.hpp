// Reading a finished table back from the target in one pass, for verification: a large table is
// cut into ctid page ranges (state/readback_parts.hpp) read over up to `jobs` target connections
// at once, and by the other processes of a shared run that have nothing left to copy
// (help_read_back); since a digest is a sum the parts add up. Keyless tables are compared as a
// whole against the sum of their source chunk digests (their ctids differ on the target, so chunks
// cannot be read back by range); a keyed table's rows are each tagged with the number of the chunk
// whose key range holds them (pg::copy_out_by_chunk_sql), which gives every chunk's digest from the
// one pass. One sequential pass costs less than one key-range read per chunk: before the table's
// indexes exist each such read scans everything copied so far, and after, each is an index scan.
// Called by the table finisher, on the run's event loop, while it holds the table's lock.
#pragma once

#include "connectors/pg/connection.hpp"
#include "engine/migrate/run_context.hpp"

namespace pgshift {

// Whether `table` on this side holds a row too large to read whole (large_rows.hpp): only a table
// with enough TOAST can, and finding them reads no value.
Task<Result<bool>> holds_large_rows(pg::Connection& connection, const Table& table);
// The table's size in pages on this side (for cutting it into page ranges).
Task<Result<std::int64_t>> relation_pages(pg::Connection& connection, const Table& table);
// The same for several tables in one round trip, in their order.
Task<Result<std::vector<std::int64_t>>> relations_pages(pg::Connection& connection,
                                                        const std::vector<const Table*>& tables);
// The page range `part` of `parts` of a table of `pages` pages; the first starts at the table's
// start and the last runs to its end, so no page is left out whatever the size now.
Chunk page_range(std::size_t table, std::int64_t pages, int part, int parts);

// Keyless tables: the whole table against the sum of its source chunk digests.
Task<Status> verify_whole_table(RunContext& context, pg::Connection& target, std::size_t table);

// Keyed tables: every chunk of `table` not yet verified, from one pass. Returns false, having
// verified nothing, when the table's chunks are not contiguous key ranges (the caller then reads
// them back chunk by chunk).
Task<Result<bool>> verify_chunks_in_one_pass(RunContext& context, pg::Connection& target,
                                             std::size_t table);

// Reads one part (or, over up to `jobs` connections, several) of any table another process of the
// run is reading back. Returns whether there was any to read.
Task<Result<bool>> help_read_back(RunContext& context);

}  // namespace pgshift
