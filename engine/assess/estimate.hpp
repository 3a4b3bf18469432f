// How long `pgshift migrate` will take, from a short measured sample of read, write and read-back
// speed on the two servers (speed_probe) and the chunk plan. Pure; unit-tested.
//
// The model, per table t with single-stream times scaled up from its sample (tables not sampled
// use the sampled tables' seconds per byte; with no sample at all, assumed rates):
//   read R, write W, read-back for verification V (0 with --verify off): one pass over the
//   finished table, whatever its number of chunks (engine/migrate/table_readback.hpp)
//   stream time T = p * max(R, W) + V + per-chunk overhead  (reader and writer overlap in a chunk;
//                                                          the read-back follows the commit;
//                                                          p: the pipeline's own cost)
//   work       K = p * (R + W) + V                        (CPU seconds spent on all processes)
//   index      I = index bytes / an assumed build rate
//   analyze    A = reads up to 30000 pages of the table, at the scan rate
//   foreign keys F = each validation scans the referencing table and looks every row up in the
//                referenced key: a few times a plain scan, at the measured scan rate
// A table's indexes and ANALYZE, and a foreign key once both its tables are in, run beside the
// other copies. With S = min(jobs, chunks) streams:
//   copy phase = max( (sum(T + I + A) + F) / (S * efficiency(S)),   streams share the servers
//                     (sum(K + I + A) + F) / (share * cores),       only when all three run here
//                     max over t of T / min(chunks_t, S) + I_t + A_t )  the largest table's path
//   total      = setup + copy phase + the last steps (post-data, sequences, the final commit)
// In the printed parts, finishing is ANALYZE and the foreign keys' share of the copy phase plus
// the last steps.
// The main constants (those a test computes with) are below, the rest in estimate.cpp, each with
// how it was calibrated.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pgshift::assess {

// A chunk costs more than the sample's plain COPY: the source reads it through a key-range (index)
// scan, pgshift parses, hashes and forwards every tuple, and each chunk commits. Calibrated on the
// bench dataset (bench/e2e, 1 GB, --jobs 1 and 2: migrate's chunk seconds against the sample).
inline constexpr double kPipelineFactor = 1.05;
// When both servers and pgshift share this machine's cores, they do not get all of them: the
// operating system, WAL writers, checkpoints and other work take a share. Calibrated with
// --jobs 2 on the bench dataset (2 cores). A machine busy with other work makes migrate slower
// than this.
inline constexpr double kSharedCoreShare = 0.9;
// The probe reads its sample back inside the transaction that wrote it; the run reads rows back
// after their commit, so every row is checked against the commit log and its page dirtied (hint
// bits), and the read competes with the copies. Calibrated on the bench dataset (bench/e2e,
// 1.1 GB, --jobs 2: the run's read-back against the probe's).
inline constexpr double kReadbackAfterCommitFactor = 1.8;
// ANALYZE's fixed cost per table, and the last steps after every table (post-data, sequences,
// the final commit), in seconds on the calibration machine (server_speed.hpp): divided by the
// target's measured speed.
inline constexpr double kAnalyzePerTable = 0.05;
inline constexpr double kFinishSeconds = 0.1;

struct SampleTiming {
  std::string table;    // schema.name
  long long rows = 0;   // rows in the sample
  double fraction = 0;  // the sample's share of the table, (0, 1]
  std::int64_t wire_bytes = 0;
  double read_seconds = 0;
  double write_seconds = 0;
  double readback_seconds = 0;
  double scan_seconds =
      0;  // count(*) over the written sample: what a chunk's read-back passes over
  bool write_measured = false;
};

struct TableWork {
  std::string table;            // schema.name
  std::int64_t bytes = 0;       // heap + TOAST
  std::int64_t heap_bytes = 0;  // what ANALYZE samples pages from
  std::int64_t index_bytes = 0;
  int chunks = 1;
  bool keyless = false;  // verified once as a whole table, not chunk by chunk
};

// Rates the model assumes where nothing was measured, in MB of table data per second and stream,
// on the calibration machine: multiplied by the target's measured speed. The defaults stand in for
// a PostgreSQL source whose sample could not be read; the set-up time is pg_dump --schema-only,
// catalog reads, key sampling and the state transaction (divided by the speed).
struct AssumedRates {
  double read_mb_s = 60;
  double write_mb_s = 40;
  double readback_mb_s = 80;
  double scan_mb_s = 400;
  double setup_seconds = 0.35;
};

struct EstimateInput {
  AssumedRates assumed;
  std::vector<TableWork> tables;
  std::vector<SampleTiming> samples;
  int jobs = 1;
  int shared_cores = 0;  // cores shared by both servers and pgshift (all local); 0 = not shared
  bool verify = true;
  int foreign_keys = 0;
  std::int64_t foreign_key_bytes = 0;  // referencing tables' heap, summed over foreign keys
  // The target's speed against the calibration machine (server_speed.hpp); 1 when not measured.
  double target_speed = 1;
};

struct TableEstimate {
  std::string table;
  double seconds = 0;  // single stream: copy + verify + indexes
  bool measured = false;
};

struct Estimate {
  double seconds = 0;
  // Parts, after parallelism: they add up to `seconds`.
  double setup_seconds = 0;
  double copy_seconds = 0;
  double verify_seconds = 0;
  double index_seconds = 0;
  double finish_seconds = 0;
  // Single-stream rates in MB of table data (heap + TOAST on disk) per second.
  double read_mb_s = 0;
  double write_mb_s = 0;
  double readback_mb_s = 0;
  double index_mb_s = 0;  // assumed, scaled by target_speed
  double wire_mb_s = 0;   // the COPY stream's own rate while reading
  int streams = 1;
  double efficiency = 1;
  int shared_cores = 0;
  double target_speed = 1;  // as given
  bool measured = false;
  std::vector<TableEstimate> tables;
  std::vector<std::string> notes;
};

Estimate estimate_duration(const EstimateInput& input);

}  // namespace pgshift::assess
