#include "engine/compare/table_pass.hpp"

#include <algorithm>
#include <set>

#include "connectors/pg/chunk_sql.hpp"
#include "connectors/pg/pg_row_source.hpp"
#include "engine/compare/both_sides.hpp"
#include "engine/compare/naming_the_table.hpp"
#include "engine/compare/server_digest.hpp"
#include "engine/migrate/table_readback.hpp"
#include "verify/stream_digest.hpp"

namespace pgshift {
namespace {

std::vector<const Chunk*> pointers(const std::vector<Chunk>& chunks) {
  std::vector<const Chunk*> out;
  for (const auto& chunk : chunks) out.push_back(&chunk);
  return out;
}

// Sums the digests by chunk of one side's page range into `digests`.
Task<Status> digest_range(VerifyContext& context, pg::Connection& connection, const TablePass& pass,
                          const Chunk& pages, const pg::TypeShapes& shapes,
                          std::map<int, verify::ChunkDigest>& digests) {
  if (context.server_hashing) {
    co_return co_await server_digest_range(connection, context.tables[pass.table],
                                           pointers(pass.chunks), pages, digests);
  }
  pg::PgRowSource rows(connection);
  auto begun = co_await rows.begin_sql(
      pg::copy_out_by_chunk_sql(context.tables[pass.table], pointers(pass.chunks), pages));
  if (!begun) co_return begun;
  verify::RowHasher hasher(context.kinds[pass.table], &shapes);
  std::map<int, verify::ChunkDigest> read;
  if (auto hashed = co_await verify::digest_stream_by_chunk(rows, hasher, read); !hashed) {
    co_return hashed;
  }
  for (const auto& [chunk, digest] : read) digests[chunk].merge(digest);
  co_return Status{};
}

// Every chunk of a table whose ranges are all in: the report, progress, and a drill-down into
// each chunk that differs.
Task<Status> compare_chunks(TablePass& pass, Drill& drill) {
  VerifyContext& context = drill.context;
  auto& table_report = context.report[pass.table];
  for (const Chunk& chunk : pass.chunks) {
    const verify::ChunkDigest& source = pass.source_digests[chunk.number];
    const verify::ChunkDigest& target = pass.target_digests[chunk.number];
    table_report.rows_source += static_cast<long long>(source.rows);
    table_report.rows_target += static_cast<long long>(target.rows);
    context.progress->add(pass.table, static_cast<long long>(source.rows), chunk.estimated_bytes);
    context.progress->chunk_done(pass.table);
    bool equal = source == target;
    if (!equal && context.server_hashing) {
      // The servers' word is not enough to report a difference: the canonical digests decide.
      auto canonical = co_await digest_both(context, drill.source_rows, drill.target, chunk);
      if (!canonical) co_return fail(canonical.error());
      equal = canonical->first == canonical->second;
    }
    if (equal) {
      ++table_report.chunks_verified;
      context.progress->chunk_verified(pass.table);
      continue;
    }
    if (auto drilled = co_await drill_chunk(drill, chunk, 0); !drilled) co_return drilled;
  }
  co_return Status{};
}

}  // namespace

Task<Result<TablePasses>> plan_table_passes(VerifyContext& context, pg::Connection& source,
                                            pg::Connection& target) {
  std::map<std::size_t, std::vector<Chunk>> by_table;
  for (const auto& chunk : context.chunks) by_table[chunk.table_index].push_back(chunk);
  TablePasses passes;
  std::set<std::size_t> passed;
  for (auto& [table, chunks] : by_table) {
    const Table& info = context.tables[table];
    if (info.keyless() || chunks.size() < 2) continue;
    std::sort(chunks.begin(), chunks.end(),
              [](const Chunk& a, const Chunk& b) { return a.number < b.number; });
    if (!pg::chunks_cover_keys(info, pointers(chunks))) continue;
    bool large = false;  // a server digest reads no row into pgshift: any size will do
    for (pg::Connection* side : {&source, &target}) {
      if (context.server_hashing) break;
      auto holds = co_await holds_large_rows(*side, info);
      if (!holds) co_return fail(holds.error());
      large = large || *holds;
    }
    if (large) continue;
    TablePass pass;
    pass.table = table;
    // As many ranges as chunks: as many pieces of work, of about the same size, as before.
    pass.parts = pass.parts_left = static_cast<int>(chunks.size());
    pass.chunks = std::move(chunks);
    passes.tables.push_back(std::move(pass));
    passed.insert(table);
  }
  if (!passes.tables.empty()) {
    // One round trip per side, both at once: over a far link these come before any comparing.
    std::vector<const Table*> tables;
    for (const TablePass& pass : passes.tables) tables.push_back(&context.tables[pass.table]);
    std::vector<std::int64_t> source_pages, target_pages;
    auto pages_of = [&](pg::Connection& side, std::vector<std::int64_t>& out) -> Task<Status> {
      auto pages = co_await relations_pages(side, tables);
      if (!pages) co_return fail(pages.error());
      out = std::move(*pages);
      co_return Status{};
    };
    auto sized = co_await on_both_sides(context.executor, pages_of(source, source_pages),
                                        pages_of(target, target_pages));
    if (!sized) co_return fail(sized.error());
    for (std::size_t i = 0; i < passes.tables.size(); ++i) {
      passes.tables[i].source_pages = source_pages.at(i);
      passes.tables[i].target_pages = target_pages.at(i);
    }
  }
  std::erase_if(context.chunks,
                [&](const Chunk& chunk) { return passed.count(chunk.table_index) > 0; });
  co_return passes;
}

Task<Result<bool>> run_next_pass_range(TablePasses& passes, Drill& drill, pg::Connection& source) {
  while (passes.next < passes.tables.size() &&
         passes.tables[passes.next].next_part >= passes.tables[passes.next].parts) {
    ++passes.next;
  }
  if (passes.next >= passes.tables.size()) co_return false;
  // An index, not a reference: the vector is not resized while lanes run, but say so plainly.
  std::size_t index = passes.next;
  int part = passes.tables[index].next_part++;
  VerifyContext& context = drill.context;
  auto read_side = [&](pg::Connection& connection, std::int64_t pages, const pg::TypeShapes& shapes,
                       std::map<int, verify::ChunkDigest>& digests) -> Task<Status> {
    TablePass& pass = passes.tables[index];
    co_return co_await digest_range(context, connection, pass,
                                    page_range(pass.table, pages, part, pass.parts), shapes,
                                    digests);
  };
  TablePass& pass = passes.tables[index];
  auto read = co_await on_both_sides(
      context.executor,
      read_side(source, pass.source_pages, context.source.shapes, pass.source_digests),
      read_side(drill.target, pass.target_pages, context.target.shapes, pass.target_digests));
  // The servers' errors name no table (a drill's may already).
  const Table& table = context.tables[passes.tables[index].table];
  if (!read) co_return fail(naming_the_table(read.error(), table));
  if (--passes.tables[index].parts_left == 0) {
    if (auto compared = co_await compare_chunks(passes.tables[index], drill); !compared) {
      co_return fail(naming_the_table(compared.error(), table));
    }
  }
  co_return true;
}

}  // namespace pgshift
