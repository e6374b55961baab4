// MemoryCollector on the real kernel: one workload touches 64 MiB of anonymous memory, another
// tries to touch 256 MiB under a 32 MiB limit and is OOM-killed. Faults and allocations, limit
// reclaim and the OOM kill must each land in the right cgroup of the memory hierarchy (v1 on
// hybrid hosts, where the v2 id says nothing about the memory cgroup).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <iostream>
#include <string>

#include "dwae/telemetry/collectors.h"
#include "support/cgroup_sandbox.h"
#include "telemetry_test_support.h"

namespace dwae::telemetry {
namespace {

using test::CgroupSandbox;
using test_support::kWorkload;
using test_support::or_die;
using test_support::wait_exit;
using test_support::write_file;

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string describe(const char* name, const MemoryStats& s) {
  return std::string(name) + ": user_faults=" + std::to_string(s.user_faults) +
         " page_allocations=" + std::to_string(s.page_allocations) +
         " pages=" + std::to_string(s.pages_allocated) +
         " limit_reclaims=" + std::to_string(s.limit_reclaims) +
         " direct_reclaims=" + std::to_string(s.direct_reclaims) +
         " stall_us=" + std::to_string(static_cast<double>(s.reclaim_stall_ns) / 1e3) +
         " reclaimed=" + std::to_string(s.pages_reclaimed) +
         " oom_kills=" + std::to_string(s.oom_kills);
}

TEST(MemoryCollector, ChargesFaultsReclaimAndOomKillsToTheMemoryCgroup) {
  CgroupSandbox sandbox;
  const CgroupSandbox::Mount* memory = sandbox.mount_for("memory");
  ASSERT_NE(memory, nullptr) << "no memory controller";
  const std::string hierarchy = memory->v2 ? "unified" : "memory";
  CollectorOptions options;
  options.attribution = memory->v2 ? CgroupAttribution::kUnified : CgroupAttribution::kV1Memory;
  MemoryCollector collector = or_die(MemoryCollector::create(options), "memory collector");
  EXPECT_TRUE(collector.missing_events().empty());

  sandbox.create("toucher");
  sandbox.create("victim");
  const std::string victim = sandbox.dir(hierarchy, "victim");
  if (memory->v2) {
    write_file(victim + "/memory.max", "33554432");
    write_file(victim + "/memory.swap.max", "0");
  } else {
    write_file(victim + "/memory.limit_in_bytes", "33554432");
    if (exists(victim + "/memory.memsw.limit_in_bytes")) {
      write_file(victim + "/memory.memsw.limit_in_bytes", "33554432");
    }
  }
  ASSERT_TRUE(collector.drain().ok());

  const pid_t toucher = sandbox.spawn({kWorkload, "touch", "64"}, "toucher");
  ASSERT_EQ(wait_exit(toucher), 0);
  const pid_t killed = sandbox.spawn({kWorkload, "touch", "256"}, "victim");
  ASSERT_EQ(wait_exit(killed), 128 + SIGKILL) << "the 32 MiB limit should OOM-kill it";
  auto drained = collector.drain();
  ASSERT_TRUE(drained.ok()) << drained.error().message;

  const MemoryStats t = (*drained)[or_die(cgroup_id_of(sandbox.dir(hierarchy, "toucher")), "id")];
  const MemoryStats v = (*drained)[or_die(cgroup_id_of(victim), "id")];
  std::cout << describe("toucher", t) << "\n" << describe("victim", v) << "\n";

  constexpr uint64_t kPages = (64u << 20) / 4096;
  EXPECT_GE(t.user_faults, kPages);  // one per page (no huge pages), plus exec and libc
  EXPECT_LT(t.user_faults, kPages * 2);
  EXPECT_GE(t.pages_allocated, kPages);
  EXPECT_EQ(t.oom_kills, 0u);
  EXPECT_EQ(t.limit_reclaims, 0u);

  EXPECT_EQ(v.oom_kills, 1u);
  EXPECT_GT(v.limit_reclaims, 0u);  // the kernel tried to reclaim before killing
  EXPECT_GT(v.reclaim_stall_ns, 0u);
  EXPECT_EQ(v.reclaim_stall.total(), v.limit_reclaims + v.direct_reclaims);
  EXPECT_GE(v.user_faults, (32u << 20) / 4096);
}

}  // namespace
}  // namespace dwae::telemetry
