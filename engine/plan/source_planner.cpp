#include "engine/plan/source_planner.hpp"

#include "connectors/pg/catalog.hpp"

namespace pgshift::plan {

Task<Result<std::vector<Chunk>>> plan_source_chunks(pg::Connection& source,
                                                    const std::vector<Table>& tables,
                                                    const PlannerOptions& options) {
  std::vector<Chunk> chunks;
  for (std::size_t index = 0; index < tables.size(); ++index) {
    const Table& table = tables[index];
    if (table.partitioned_parent) continue;
    int wanted = desired_chunks(table.bytes, options);
    std::vector<Chunk> table_chunks;
    if (table.keyless()) {
      table_chunks = plan_page_chunks(index, table, wanted);
    } else {
      std::vector<KeyValue> sample;
      if (wanted > 1) {
        auto sampled = co_await pg::sample_keys(source, table, sample_size_for(wanted));
        if (!sampled) co_return fail(std::move(sampled.error()).within("sampling " + table.name));
        sample = std::move(*sampled);
      }
      table_chunks = plan_keyed_chunks(index, table, sample, wanted);
    }
    chunks.insert(chunks.end(), table_chunks.begin(), table_chunks.end());
  }
  order_most_work_first(chunks, tables);
  co_return chunks;
}

}  // namespace pgshift::plan
