// Raw-event mode on the real kernel: sampled events of several collectors arrive through one
// ring, attributed like the aggregates; sampling keeps one in n; a ring too small to keep up
// counts its drops.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include "dwae/telemetry/collectors.h"
#include "support/cgroup_sandbox.h"
#include "telemetry_test_support.h"

namespace dwae::telemetry {
namespace {

using test::CgroupSandbox;
using test_support::kWorkload;
using test_support::or_die;
using test_support::wait_exit;

CgroupAttribution cpu_attribution(const CgroupSandbox& sandbox) {
  const auto* cpu = sandbox.mount_for("cpu");
  return cpu != nullptr && !cpu->v2 ? CgroupAttribution::kV1Cpu : CgroupAttribution::kUnified;
}

std::string cpu_hierarchy(const CgroupSandbox& sandbox) {
  return cpu_attribution(sandbox) == CgroupAttribution::kV1Cpu ? "cpu" : "unified";
}

TEST(RawEvents, EveryForkOfTheWorkloadArrivesWithItsCgroupWhenNothingIsDropped) {
  CgroupSandbox sandbox;
  RawEventStream stream = or_die(RawEventStream::create(size_t{4} << 20, 1), "stream");
  CollectorOptions options;
  options.attribution = cpu_attribution(sandbox);
  options.raw = &stream;
  std::optional<LifecycleCollector> lifecycle =
      or_die(LifecycleCollector::create(options), "lifecycle");
  SchedCollector::Options sched_options;
  sched_options.attribution = options.attribution;
  sched_options.raw = &stream;
  std::optional<SchedCollector> sched = or_die(SchedCollector::create(sched_options), "sched");

  std::vector<RawEvent> events;
  ASSERT_TRUE(stream.consume(events).ok());
  ASSERT_TRUE(lifecycle->drain().ok());
  events.clear();
  const pid_t pid = sandbox.spawn({kWorkload, "spawn", "20"}, "forker");
  ASSERT_EQ(wait_exit(pid), 0);
  auto drained = lifecycle->drain();
  ASSERT_TRUE(drained.ok());
  // Detached before the counters are read: attached, the programs go on counting the host's
  // events between the reads of one counter and the next.
  lifecycle.reset();
  sched.reset();
  ASSERT_TRUE(stream.consume(events).ok());
  const RawEventCounters counters = or_die(stream.counters(), "counters");

  const CgroupId forker = or_die(cgroup_id_of(sandbox.dir(cpu_hierarchy(sandbox), "forker")), "id");
  uint64_t forks = 0, switches = 0;
  for (const RawEvent& e : events) {
    if (e.cgroup_id != forker) continue;
    if (e.kind == RawEventKind::kFork) ++forks;
    if (e.kind == RawEventKind::kSwitchOut) ++switches;
  }
  std::cout << "events=" << events.size() << " seen=" << counters.seen
            << " sampled=" << counters.sampled << " dropped=" << counters.dropped
            << " forker forks=" << forks << " switches=" << switches << "\n";
  EXPECT_EQ(counters.dropped, 0u);
  EXPECT_EQ(counters.sampled, counters.seen);  // sample_every = 1
  EXPECT_LE(events.size(), counters.delivered());
  EXPECT_EQ(forks, 20u);
  EXPECT_EQ(forks, (*drained)[forker].forks);  // the stream and the aggregate agree
  EXPECT_GT(switches, 0u);
}

TEST(RawEvents, SamplingKeepsOneInNAndAFullRingCountsDrops) {
  CgroupSandbox sandbox;
  // One page of ring (about 85 events) and nobody reading it while two hogs and a sleeper run.
  RawEventStream stream = or_die(RawEventStream::create(4096, 4), "stream");
  SchedCollector::Options sched_options;
  sched_options.attribution = cpu_attribution(sandbox);
  sched_options.raw = &stream;
  SchedCollector sched = or_die(SchedCollector::create(sched_options), "sched");
  sandbox.spawn({DWAE_TELEMETRY_SLEEPER, "1000", "500"}, "sleeper");
  sandbox.spawn({"sh", "-c", "while :; do :; done"}, "hog");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const RawEventCounters c = or_die(stream.counters(), "counters");
  std::vector<RawEvent> events;
  ASSERT_TRUE(stream.consume(events).ok());
  std::cout << "seen=" << c.seen << " sampled=" << c.sampled << " dropped=" << c.dropped
            << " consumed=" << events.size() << "\n";
  // Per CPU, sampled = floor(seen on that CPU / 4).
  EXPECT_LE(c.sampled * 4, c.seen);
  EXPECT_GE(c.sampled * 4 + uint64_t{4} * 64, c.seen);
  EXPECT_GT(c.dropped, 0u);
  EXPECT_GT(events.size(), 0u);
  EXPECT_LE(events.size(), 4096u / sizeof(RawEvent));
}

TEST(RawEvents, RingSizeAndSamplingAreChecked) {
  EXPECT_FALSE(RawEventStream::create(5000, 1).ok());
  EXPECT_FALSE(RawEventStream::create(4096, 0).ok());
}

}  // namespace
}  // namespace dwae::telemetry
