// ClusterMemory: grants come out of one budget, a spent budget still grants the floor (never
// more than asked), and what is given back can be taken again, from any thread.
#include "connectors/sqlite/cluster_memory.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace pgshift::sqlite {
namespace {

TEST(ClusterMemory, GrantsComeOutOfOneBudget) {
  ClusterMemory memory(100);
  EXPECT_EQ(memory.take(60, 10), 60u);
  EXPECT_EQ(memory.take(60, 10), 40u) << "what is left";
  EXPECT_EQ(memory.taken(), 100u);
  EXPECT_EQ(memory.take(60, 10), 10u) << "spent: the floor, so a reader makes progress";
  EXPECT_EQ(memory.take(5, 10), 5u) << "never more than asked";
  EXPECT_EQ(memory.taken(), 115u);
  memory.give_back(60);
  memory.give_back(40);
  EXPECT_EQ(memory.take(100, 10), 85u);
  memory.give_back(1000);  // more than taken: the count stops at zero
  EXPECT_EQ(memory.taken(), 0u);
}

TEST(ClusterMemory, ThreadsTakingAndGivingBackLeaveNothingTaken) {
  ClusterMemory memory(1 << 20);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&memory] {
      for (int i = 0; i < 10000; ++i) memory.give_back(memory.take(300000, 1000));
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(memory.taken(), 0u);
}

}  // namespace
}  // namespace pgshift::sqlite
