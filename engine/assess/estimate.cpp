#include "engine/assess/estimate.hpp"

#include <algorithm>
#include <map>

namespace pgshift::assess {
namespace {

constexpr double kMB = 1048576.0;
// Index builds (sort + write) in MB of finished index per second and stream on the calibration
// machine (bench/e2e, PostgreSQL 15, 2 cores, estimate_check.sh).
constexpr double kIndexMBs = 70;
// Claim, commit and mark of one chunk, in seconds.
constexpr double kChunkOverhead = 0.03;
constexpr double kSetupPerTable = 0.02;
// ANALYZE reads at most 30000 pages a table (default_statistics_target 100), plus a fixed cost
// (kAnalyzePerTable, in the header).
constexpr double kAnalyzePages = 30000;
// Validating a foreign key: a scan of the referencing table plus one index probe per row, about
// this many times a plain scan (calibrated on the bench's 2-million-row foreign key).
constexpr double kForeignKeyScanFactor = 4;
constexpr double kPerForeignKey = 0.02;

// Streams lose some speed to each other (locks, WAL insertion, shared buffers), even on
// separate machines: 8% per additional stream, calibrated with --jobs 1 and 2 on the bench.
double stream_efficiency(int streams) {
  return 1.0 / (1.0 + 0.08 * (streams - 1));
}

}  // namespace

Estimate estimate_duration(const EstimateInput& given) {
  // Whatever the model assumes rather than measures was timed on the calibration machine: a
  // faster target builds indexes, analyzes and finishes sooner.
  double speed = given.target_speed > 0 ? given.target_speed : 1;
  EstimateInput input = given;
  input.assumed.read_mb_s *= speed;
  input.assumed.write_mb_s *= speed;
  input.assumed.readback_mb_s *= speed;
  input.assumed.scan_mb_s *= speed;
  input.assumed.setup_seconds /= speed;
  double index_mb_s = kIndexMBs * speed;
  double analyze_per_table = kAnalyzePerTable / speed;
  double finish_seconds = kFinishSeconds / speed;
  Estimate out;
  out.index_mb_s = index_mb_s;
  out.shared_cores = input.shared_cores;
  out.target_speed = speed;

  // Sampled seconds per byte of table data, overall and per table.
  std::map<std::string, const SampleTiming*> sampled;
  std::map<std::string, std::int64_t> bytes_of;
  for (const auto& table : input.tables) bytes_of[table.table] = table.bytes;
  double sample_bytes = 0, read_s = 0, write_s = 0, write_bytes = 0, readback_s = 0, wire = 0;
  double scan_s = 0;
  for (const auto& sample : input.samples) {
    if (sample.fraction <= 0 || !bytes_of.count(sample.table)) continue;
    sampled[sample.table] = &sample;
    double bytes = sample.fraction * static_cast<double>(bytes_of[sample.table]);
    sample_bytes += bytes;
    read_s += sample.read_seconds;
    wire += static_cast<double>(sample.wire_bytes);
    if (sample.write_measured) {
      write_s += sample.write_seconds;
      readback_s += sample.readback_seconds;
      scan_s += sample.scan_seconds;
      write_bytes += bytes;
    }
  }
  out.measured = sample_bytes > 0 && read_s > 0;
  double read_per_byte = out.measured ? read_s / sample_bytes : 1 / (input.assumed.read_mb_s * kMB);
  bool writes = write_bytes > 0 && write_s > 0;
  double write_per_byte = writes ? write_s / write_bytes : 1 / (input.assumed.write_mb_s * kMB);
  double readback_per_byte = writes ? kReadbackAfterCommitFactor * readback_s / write_bytes
                                    : 1 / (input.assumed.readback_mb_s * kMB);
  double scan_per_byte = writes ? scan_s / write_bytes : 1 / (input.assumed.scan_mb_s * kMB);
  if (!out.measured) out.notes.push_back("no sample could be read: assumed rates");
  if (out.measured && !writes) out.notes.push_back("no write sample: assumed write rates");
  out.read_mb_s = 1 / read_per_byte / kMB;
  out.write_mb_s = 1 / write_per_byte / kMB;
  out.readback_mb_s = 1 / readback_per_byte / kMB;
  out.wire_mb_s = read_s > 0 ? wire / read_s / kMB : 0;

  int total_chunks = 0;
  double stream_sum = 0, work_sum = 0, critical = 0, analyze_sum = 0;
  double copy_sum = 0, verify_sum = 0, index_sum = 0;
  for (const auto& table : input.tables) {
    double bytes = static_cast<double>(table.bytes);
    double read = bytes * read_per_byte, write = bytes * write_per_byte;
    double readback = bytes * readback_per_byte;
    TableEstimate estimate{table.table, 0, false};
    if (auto it = sampled.find(table.table); it != sampled.end()) {
      const SampleTiming& sample = *it->second;
      read = sample.read_seconds / sample.fraction;
      if (sample.write_measured) {
        write = sample.write_seconds / sample.fraction;
        readback = kReadbackAfterCommitFactor * sample.readback_seconds / sample.fraction;
      }
      estimate.measured = true;
    }
    int chunks = std::max(1, table.chunks);
    readback = input.verify ? readback : 0;
    total_chunks += chunks;
    double copy = kPipelineFactor * std::max(read, write) + kChunkOverhead * chunks;
    double index = static_cast<double>(table.index_bytes) / (index_mb_s * kMB);
    stream_sum += copy + readback + index;
    work_sum += kPipelineFactor * (read + write) + readback + index;
    copy_sum += copy;
    verify_sum += readback;
    index_sum += index;
    double heap = static_cast<double>(table.heap_bytes > 0 ? table.heap_bytes : table.bytes);
    double analyze = analyze_per_table + std::min(heap, kAnalyzePages * 8192) * scan_per_byte;
    analyze_sum += analyze;
    stream_sum += analyze;
    work_sum += analyze;
    estimate.seconds = copy + readback + index + analyze;
    out.tables.push_back(estimate);
    critical = std::max(
        critical, (copy + readback) / std::min(chunks, std::max(1, input.jobs)) + index + analyze);
  }
  // Foreign keys are validated as soon as both their tables are finished, beside other copies.
  double foreign_keys =
      kPerForeignKey * input.foreign_keys +
      kForeignKeyScanFactor * static_cast<double>(input.foreign_key_bytes) * scan_per_byte;
  stream_sum += foreign_keys;
  work_sum += foreign_keys;
  out.streams = std::max(1, std::min(input.jobs, total_chunks));
  out.efficiency = stream_efficiency(out.streams);
  double parallel = stream_sum / (out.streams * out.efficiency);
  if (input.shared_cores > 0) {
    parallel = std::max(parallel, work_sum / (kSharedCoreShare * input.shared_cores));
  }
  parallel = std::max(parallel, critical);
  // The parts share the copy phase in proportion to their single-stream seconds.
  double scale = stream_sum > 0 ? parallel / stream_sum : 0;
  out.copy_seconds = copy_sum * scale;
  out.verify_seconds = verify_sum * scale;
  out.index_seconds = index_sum * scale;
  out.setup_seconds = input.assumed.setup_seconds +
                      kSetupPerTable / speed * static_cast<double>(input.tables.size());
  out.finish_seconds = finish_seconds + (analyze_sum + foreign_keys) * scale;
  out.seconds = out.setup_seconds + parallel + finish_seconds;
  return out;
}

}  // namespace pgshift::assess
