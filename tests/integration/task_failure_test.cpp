// A task that throws inside a run (a copy lane, a background target job, a compare lane, the
// target side of a chunk compare) ends the run with exit 3 and the exception's message, instead
// of hanging or saying only "crashed". Faults are injected with PGSHIFT_FAULT
// (engine/core/fault.hpp); every run is bounded by timeout(1), so a hang shows as exit 124 (137
// if the hung process does not even answer SIGTERM).
#include <gtest/gtest.h>

#include "engine/core/subprocess.hpp"
#include "tests/support/pg_test.hpp"

namespace pgshift::test {
namespace {

constexpr const char* kData = R"SQL(
CREATE TABLE items (id int PRIMARY KEY, note text);
INSERT INTO items SELECT i, repeat('n', 200) || i FROM generate_series(1, 20000) i;
CREATE TABLE tags (id int PRIMARY KEY, item_id int REFERENCES items (id), tag text);
INSERT INTO tags SELECT i, 1 + i % 20000, 't' || i FROM generate_series(1, 5000) i;
)SQL";

RunResult run_bounded(const std::vector<std::string>& args, const std::string& fault) {
  std::vector<std::string> argv = {"timeout", "--kill-after=5", "60", PGSHIFT_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::map<std::string, std::string> env;
  if (!fault.empty()) env["PGSHIFT_FAULT"] = fault;
  auto output = run_process(argv, env);
  if (!output) throw std::runtime_error(output.error().message);
  return RunResult{output->exit_status, output->out, output->err};
}

std::string digest(const std::string& uri, const std::string& table) {
  return scalar(uri,
                "SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY t::text)) "
                "FROM " +
                    table + " t");
}

void expect_failed_with(const RunResult& run, const std::string& point) {
  EXPECT_EQ(run.exit_code, 3) << run.err;  // 124 would be timeout(1): the run hung
  EXPECT_NE(run.err.find("internal error: injected fault: " + point), std::string::npos) << run.err;
}

class TaskFailure : public ::testing::Test {
 protected:
  void SetUp() override {
    source_ = fresh_database(source_cluster(), "fault_src");
    target_ = fresh_database(target_cluster(), "fault_dst");
    exec(source_, kData);
  }
  std::vector<std::string> migrate_args() const {
    return {"migrate", "--source", source_,        "--target", target_,
            "--jobs",  "2",        "--chunk-size", "1",        "--quiet"};
  }
  std::string source_, target_;
};

TEST_F(TaskFailure, ThrowInCopyLaneEndsMigrateWithExit3ThenRerunFinishes) {
  expect_failed_with(run_bounded(migrate_args(), "throw-in-copy-lane"), "throw-in-copy-lane");
  auto rerun = run_bounded(migrate_args(), "");
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_EQ(digest(source_, "items"), digest(target_, "items"));
  EXPECT_EQ(digest(source_, "tags"), digest(target_, "tags"));
}

// Thrown while the chunk's target writer still runs on the same queue.
TEST_F(TaskFailure, ThrowInCopyReadEndsMigrateWithExit3) {
  expect_failed_with(run_bounded(migrate_args(), "throw-in-copy-read"), "throw-in-copy-read");
}

TEST_F(TaskFailure, ThrowInSlotTaskEndsMigrateWithExit3) {
  expect_failed_with(run_bounded(migrate_args(), "throw-in-slot-task"), "throw-in-slot-task");
}

// The lanes of a table finisher's index builds and read-back: before, a throwing lane left the
// finisher waiting for it forever, and the run with it.
TEST_F(TaskFailure, ThrowInTargetLaneEndsMigrateWithExit3) {
  expect_failed_with(run_bounded(migrate_args(), "throw-in-target-lane"), "throw-in-target-lane");
}

TEST_F(TaskFailure, ThrowInVerifyLaneEndsVerifyWithExit3) {
  ASSERT_EQ(run_bounded(migrate_args(), "").exit_code, 0);
  auto verify = run_bounded({"verify", "--source", source_, "--target", target_, "--jobs", "2",
                             "--chunk-size", "1", "--quiet"},
                            "throw-in-verify-lane");
  expect_failed_with(verify, "throw-in-verify-lane");
}

TEST_F(TaskFailure, ThrowInVerifyTargetReaderEndsVerifyWithExit3) {
  ASSERT_EQ(run_bounded(migrate_args(), "").exit_code, 0);
  auto verify = run_bounded({"verify", "--source", source_, "--target", target_, "--jobs", "2",
                             "--chunk-size", "1", "--quiet"},
                            "throw-in-verify-read");
  expect_failed_with(verify, "throw-in-verify-read");
}

}  // namespace
}  // namespace pgshift::test
