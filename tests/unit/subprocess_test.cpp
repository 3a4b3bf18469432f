// run_process (engine/core/subprocess.hpp): output captured, exit status, and a child that gets
// standard input, output and error only, never a descriptor of ours left without close-on-exec
// (a hook that outlived pgshift kept its listening metrics port).
#include "engine/core/subprocess.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

namespace pgshift {
namespace {

TEST(Subprocess, CapturesOutputAndExitStatus) {
  auto run = run_process({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->exit_status, 3);
  EXPECT_EQ(run->out, "out\n");
  EXPECT_EQ(run->err, "err\n");
}

TEST(Subprocess, TheChildInheritsNoOtherDescriptor) {
  int inherited = ::dup(1);  // dup() leaves close-on-exec off
  ASSERT_GE(inherited, 3);
  auto run = run_process(
      {"sh", "-c", "test -e /proc/self/fd/" + std::to_string(inherited) + " && echo open || true"});
  ::close(inherited);
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->out, "");
}

}  // namespace
}  // namespace pgshift
