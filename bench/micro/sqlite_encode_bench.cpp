// Throughput of the SQLite source's per-value checks on app-like text (mostly ASCII words with a
// non-ASCII word every few), in bytes per second on one core.
#include <benchmark/benchmark.h>

#include <string>

#include "connectors/sqlite/utf8.hpp"

namespace {

// The UTF-8 check on app-like text: mostly ASCII words with a non-ASCII word every few.
void BM_Utf8Check(benchmark::State& state) {
  const char* words[] = {"the", "database", "migration", "café",  "Größe", "日本語",
                         "row", "🚀",        "snapshot",  "naïve", "index", "Привет"};
  std::string text;
  for (int i = 0; text.size() < (1 << 20); ++i) {
    text += words[(i * 7) % 12];
    text += ' ';
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(pgshift::sqlite::first_invalid_utf8(text));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_Utf8Check);

}  // namespace
