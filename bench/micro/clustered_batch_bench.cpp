// Cost of putting a keyless table's rows in index order on the reader (clustered_batch.hpp): one
// batch of 360 000 events-like tuples (kind text of 8 values, a 50-byte payload, at bigint) added,
// sorted by (kind, at) and drained, as SqliteRowSource does for one chunk.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "connectors/sqlite/clustered_batch.hpp"

namespace {

void put(std::vector<std::byte>& out, std::uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<std::byte>(value >> (8 * i)));
}

void put_text(std::vector<std::byte>& out, const std::string& text) {
  put(out, text.size(), 4);
  for (char c : text) out.push_back(static_cast<std::byte>(c));
}

void BM_ClusteredBatchChunk(benchmark::State& state) {
  const char* kinds[] = {"click",    "error",  "login",  "logout",
                         "purchase", "search", "signup", "view"};
  std::mt19937_64 random(3);
  std::vector<std::vector<std::byte>> tuples;
  for (int i = 0; i < 360000; ++i) {
    std::vector<std::byte> t;
    put(t, 3, 2);
    put_text(t, kinds[random() % 8]);
    put_text(t, "{\"ms\": " + std::to_string(random() % 1000) + ", \"page\": \"/posts/" +
                    std::to_string(random() % 10000) + "\", \"user\": 1234}");
    put(t, 8, 4);
    put(t, 1577836800 + random() % 126000000, 8);
    tuples.push_back(std::move(t));
  }
  pgshift::sqlite::ClusteredBatch batch(
      {{0, pgshift::sqlite::FieldOrder::kText}, {2, pgshift::sqlite::FieldOrder::kSignedBigEndian}},
      std::size_t{64} << 20);
  std::vector<std::byte> out;
  for (auto _ : state) {
    for (const auto& t : tuples) {
      (void)batch.add([&](std::vector<std::byte>& rows) -> pgshift::Result<bool> {
        rows.insert(rows.end(), t.begin(), t.end());
        return true;
      });
    }
    batch.sort();
    while (!batch.empty()) {
      out.clear();
      batch.drain(out, 1 << 20);
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * tuples.size()));
}
BENCHMARK(BM_ClusteredBatchChunk)->Unit(benchmark::kMillisecond);

}  // namespace
