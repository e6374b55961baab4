// Replay: a recording of the simulator played back through HostSource gives the live samples
// and workloads tick by tick, and a policy fed by the replay decides exactly as it did live.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "dwae/common/clock.h"
#include "dwae/record/record_loop.h"
#include "dwae/record/replay_host_source.h"
#include "dwae/sim/runner.h"
#include "dwae/sim/sim_host.h"
#include "record/record_support.h"
#include "support/temp_dir.h"

namespace dwae::record {
namespace {

sim::Scenario load(const std::string& name, Nanos duration) {
  auto load =
      sim::load_scenario_file(std::string(DWAE_SOURCE_DIR) + "/scenarios/" + name + ".yaml");
  EXPECT_TRUE(load.scenario.has_value());
  sim::Scenario s = std::move(*load.scenario);
  s.duration = duration;
  return s;
}

void expect_same_decision(const Decision& e, const Decision& a) {
  EXPECT_EQ(e.at, a.at);
  ASSERT_EQ(e.workloads.size(), a.workloads.size());
  for (size_t i = 0; i < e.workloads.size(); ++i) {
    EXPECT_EQ(e.workloads[i].workload, a.workloads[i].workload);
    EXPECT_EQ(e.workloads[i].targets, a.workloads[i].targets) << e.workloads[i].workload;
  }
}

TEST(Replay, EqualsTheLiveSimulatorAndDrivesAPolicyTheSameWay) {
  const sim::Scenario scenario = load("noisy-neighbour", Nanos{3'000'000'000});
  dwae::test::TempDir dir;
  const std::string path = dir.path() + "/sim.arrow";

  // Live: the simulator under the rule policy, recorded.
  std::vector<HostSample> live_samples;
  std::vector<std::vector<WorkloadInfo>> live_infos;
  std::vector<Decision> live_decisions;
  {
    ManualClock clock;
    sim::SimHost host(scenario, clock);
    auto policy = sim::make_policy("rule", scenario);
    ASSERT_TRUE(policy.ok()) << policy.error().message;
    auto writer = RecordingWriter::create(path, "sim:" + scenario.name);
    ASSERT_TRUE(writer.ok());
    RecordHooks hooks;
    hooks.advance_to = [&](Nanos t) { host.run_until(t); };
    hooks.after_tick = [&](const HostSample& s, const std::vector<WorkloadInfo>& infos) {
      live_samples.push_back(s);
      live_infos.push_back(infos);
      live_decisions.push_back((*policy)->decide(s, infos));
      if (!live_decisions.back().workloads.empty()) host.apply(live_decisions.back());
    };
    RecordLoopOptions options;
    options.duration = scenario.duration;
    options.period = scenario.control_period;
    auto summary = record_loop(host, *writer, options, hooks);
    ASSERT_TRUE(summary.ok()) << summary.error().message;
    EXPECT_EQ(summary->ticks, live_samples.size());
    ASSERT_TRUE(writer->close().ok());
  }
  ASSERT_EQ(live_samples.size(), 16U);  // 0, 200 ms, ..., 3 s

  // Replay: the same policy, fed by the recording.
  auto replay = ReplayHostSource::open(path);
  ASSERT_TRUE(replay.ok()) << replay.error().message;
  HostSource& source = **replay;
  auto policy = sim::make_policy("rule", scenario);
  ASSERT_TRUE(policy.ok());
  size_t decisions_with_changes = 0;
  for (size_t t = 0; t < live_samples.size(); ++t) {
    SCOPED_TRACE("tick " + std::to_string(t));
    EXPECT_EQ((*replay)->next_at(), live_samples[t].at);
    auto infos = source.workloads();
    ASSERT_TRUE(infos.ok());
    test::expect_same_infos(live_infos[t], *infos);
    auto sample = source.sample();
    ASSERT_TRUE(sample.ok()) << sample.error().message;
    test::expect_same_sample(live_samples[t], *sample);
    const Decision decision = (*policy)->decide(*sample, *infos);
    expect_same_decision(live_decisions[t], decision);
    if (!decision.workloads.empty()) ++decisions_with_changes;
  }
  EXPECT_GT(decisions_with_changes, 0U);  // the comparison covered real decisions
  EXPECT_TRUE((*replay)->finished());
  EXPECT_EQ((*replay)->ticks_played(), live_samples.size());
  const auto after = source.sample();
  ASSERT_FALSE(after.ok());
  EXPECT_NE(after.error().message.find("recording ended after 16 ticks"), std::string::npos);
  auto infos = source.workloads();  // still the last tick's workloads
  ASSERT_TRUE(infos.ok());
  test::expect_same_infos(live_infos.back(), *infos);
}

TEST(Replay, ABrokenTickIsReportedWhenReached) {
  dwae::test::TempDir dir;
  const std::string path = dir.path() + "/rec.arrow";
  {
    auto writer = RecordingWriter::create(path);
    ASSERT_TRUE(writer.ok());
    for (uint64_t t = 0; t < 3; ++t) {
      ASSERT_TRUE(writer->write(test::make_sample(t, 2), test::make_infos(2)).ok());
    }
    ASSERT_TRUE(writer->close().ok());
  }
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  bytes.resize(bytes.size() - 100);  // into the third tick's body
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  auto replay = ReplayHostSource::open(path);
  ASSERT_TRUE(replay.ok()) << replay.error().message;
  EXPECT_TRUE((*replay)->sample().ok());
  EXPECT_TRUE((*replay)->sample().ok());
  const auto third = (*replay)->sample();
  ASSERT_FALSE(third.ok());
  EXPECT_NE(third.error().message.find("truncated"), std::string::npos) << third.error().message;
  EXPECT_NE(third.error().message.find(path), std::string::npos) << third.error().message;
}

TEST(Replay, OpenFailsOnANonRecording) {
  dwae::test::TempDir dir;
  dir.write("x.arrow", "not arrow");
  auto replay = ReplayHostSource::open(dir.path() + "/x.arrow");
  ASSERT_FALSE(replay.ok());
  EXPECT_NE(replay.error().message.find("continuation marker"), std::string::npos);
}

}  // namespace
}  // namespace dwae::record
