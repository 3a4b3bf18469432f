// The duration model of `pgshift plan`: scaling samples up, parallel streams, shared cores, the
// largest table's own path, and the parts adding up to the total.
#include "engine/assess/estimate.hpp"
#include "engine/assess/server_speed.hpp"

#include <gtest/gtest.h>

namespace pgshift::assess {
namespace {

constexpr std::int64_t kMB = 1 << 20;

SampleTiming sample(const std::string& table, double fraction, double read, double write,
                    double readback) {
  SampleTiming timing;
  timing.table = table;
  timing.rows = 1000;
  timing.fraction = fraction;
  timing.wire_bytes = 10 * kMB;
  timing.read_seconds = read;
  timing.write_seconds = write;
  timing.readback_seconds = readback;
  timing.write_measured = true;
  return timing;
}

double parts(const Estimate& e) {
  return e.setup_seconds + e.copy_seconds + e.verify_seconds + e.index_seconds + e.finish_seconds;
}

TEST(AssessEstimate, ScalesTheSampleUpToTheTable) {
  EstimateInput input;
  input.tables = {{"public.big", 1000 * kMB, 0, 0, 1, false}};
  input.samples = {sample("public.big", 0.01, 0.2, 0.3, 0.1)};  // 10 MB in 0.2 / 0.3 / 0.1 s
  input.jobs = 1;
  auto e = estimate_duration(input);
  EXPECT_TRUE(e.measured);
  EXPECT_NEAR(e.read_mb_s, 50, 0.01);
  EXPECT_NEAR(e.write_mb_s, 100.0 / 3, 0.01);
  // The probe read its own transaction's rows back; the run's read-back costs more.
  EXPECT_NEAR(e.readback_mb_s, 100 / kReadbackAfterCommitFactor, 0.01);
  // One stream: max(read 20 s, write 30 s) + read-back 10 s (+ chunk overhead).
  EXPECT_NEAR(e.copy_seconds + e.verify_seconds,
              kPipelineFactor * 30 + 10 * kReadbackAfterCommitFactor, 0.1);
  EXPECT_NEAR(e.seconds, parts(e), 1e-9);
  ASSERT_EQ(e.tables.size(), 1u);
  EXPECT_TRUE(e.tables[0].measured);
}

TEST(AssessEstimate, StreamsCoresAndTheLargestTable) {
  EstimateInput input;
  for (int i = 0; i < 4; ++i) {
    input.tables.push_back({"public.t" + std::to_string(i), 100 * kMB, 0, 0, 2, false});
  }
  input.samples = {sample("public.t0", 0.1, 0.1, 0.1, 0.0)};  // 1 s to read and write a table
  input.verify = false;
  input.jobs = 1;
  double one = estimate_duration(input).copy_seconds;
  input.jobs = 4;
  auto four = estimate_duration(input);
  EXPECT_EQ(four.streams, 4);
  EXPECT_LT(four.copy_seconds, one / 3);
  EXPECT_GT(four.copy_seconds, one / 4);  // streams are not free
  // Read + write = 2 CPU seconds per table, plus its ANALYZE, on a share of 2 cores.
  input.shared_cores = 2;
  auto shared = estimate_duration(input);
  EXPECT_NEAR(shared.seconds - shared.setup_seconds - kFinishSeconds,
              4 * (kPipelineFactor * 2 + kAnalyzePerTable) / (kSharedCoreShare * 2), 0.05);
  // One table in one chunk cannot use more than one stream.
  input.shared_cores = 0;
  input.tables = {{"public.t0", 1000 * kMB, 0, 0, 1, false}};
  input.samples = {sample("public.t0", 0.01, 0.1, 0.1, 0.0)};
  EXPECT_NEAR(estimate_duration(input).copy_seconds, kPipelineFactor * 10, 0.1);
}

TEST(AssessEstimate, VerificationReadsEachTableOnceAndIndexesCount) {
  EstimateInput input;
  input.tables = {{"public.t", 100 * kMB, 0, 70 * kMB, 5, false}};
  SampleTiming timing = sample("public.t", 0.1, 0.1, 0.1, 0.1);
  timing.scan_seconds = 0.02;  // 10 MB scanned in 0.02 s
  input.samples = {timing};
  input.jobs = 1;
  auto e = estimate_duration(input);
  // Read-back of 1 s in the probe: one pass over the table, whatever its five chunks.
  EXPECT_NEAR(e.verify_seconds, kReadbackAfterCommitFactor, 0.01);
  EXPECT_NEAR(e.index_seconds, 1.0, 0.01);  // 70 MB at the assumed 70 MB/s
  input.tables[0].keyless = true;           // verified as a whole, too
  EXPECT_NEAR(estimate_duration(input).verify_seconds, kReadbackAfterCommitFactor, 0.01);
  input.verify = false;
  EXPECT_NEAR(estimate_duration(input).verify_seconds, 0.0, 1e-9);
}

// What the model assumes was timed on the calibration machine: a target measured twice as fast
// builds indexes twice as fast and needs half the fixed time; the sampled copy rates stay.
TEST(AssessEstimate, AssumedPartsScaleWithTheTargetsSpeed) {
  EstimateInput input;
  input.tables = {{"public.t", 100 * kMB, 0, 70 * kMB, 1, false}};
  input.samples = {sample("public.t", 0.1, 0.1, 0.1, 0.1)};
  input.jobs = 1;
  auto base = estimate_duration(input);
  input.target_speed = 2;
  auto fast = estimate_duration(input);
  EXPECT_NEAR(fast.index_mb_s, 2 * base.index_mb_s, 1e-9);
  EXPECT_NEAR(fast.setup_seconds, base.setup_seconds / 2, 1e-9);
  EXPECT_NEAR(fast.read_mb_s, base.read_mb_s, 1e-9);
  EXPECT_NEAR(fast.write_mb_s, base.write_mb_s, 1e-9);
  EXPECT_LT(fast.seconds, base.seconds);
  EXPECT_NEAR(fast.seconds, parts(fast), 1e-9);
  EXPECT_DOUBLE_EQ(fast.target_speed, 2);
  // Without a sample the assumed rates scale too.
  input.samples.clear();
  input.target_speed = 1;
  auto assumed = estimate_duration(input);
  input.target_speed = 2;
  EXPECT_NEAR(estimate_duration(input).write_mb_s, 2 * assumed.write_mb_s, 1e-9);
}

TEST(ServerSpeed, TheQuerysTimeLessTheRoundTripAgainstTheReference) {
  EXPECT_NEAR(relative_speed(kReferenceHashSeconds, 0), 1.0, 1e-9);
  EXPECT_NEAR(relative_speed(kReferenceHashSeconds / 2 + 0.040, 0.040), 2.0, 1e-9);  // far target
  EXPECT_NEAR(relative_speed(kReferenceHashSeconds * 3, 0.001),
              kReferenceHashSeconds / (kReferenceHashSeconds * 3 - 0.001), 1e-9);
  EXPECT_DOUBLE_EQ(relative_speed(100, 0), 0.25);  // a stalled server is not taken at its word
  EXPECT_DOUBLE_EQ(relative_speed(0.001, 0.002), 4.0);
}

TEST(AssessEstimate, AssumedRatesWithoutASample) {
  EstimateInput input;
  input.tables = {{"public.t", 600 * kMB, 0, 0, 10, false}};
  input.jobs = 2;
  auto e = estimate_duration(input);
  EXPECT_FALSE(e.measured);
  ASSERT_FALSE(e.notes.empty());
  EXPECT_GT(e.seconds, 0);
  EXPECT_NEAR(e.seconds, parts(e), 1e-9);
}

}  // namespace
}  // namespace pgshift::assess
