// Actuator cost: planning and applying a decision for 1,000 workloads x 3 files on a tmpfs
// fixture (goal <= 50 ms), and the cost of one write + read-back on a real cgroup.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>

#include "dwae/actuator/cgroup_actuator.h"
#include "dwae/actuator/filesystem.h"
#include "dwae/hostfs/layout.h"
#include "support/cgroup_sandbox.h"
#include "support/host_fixture.h"

namespace {

using dwae::test::FixtureLayout;
using dwae::test::HostFixture;

constexpr int kWorkloads = 1000;

void BM_PlanAndApply1000Workloads3Files(benchmark::State& state) {
  ::setenv("TMPDIR", "/dev/shm", 1);
  HostFixture host(FixtureLayout::kV2);
  for (int i = 0; i < kWorkloads; ++i) {
    host.cgroup(
        "cpu", "/w" + std::to_string(i),
        {{"cpu.weight", "100\n"}, {"memory.high", "max\n"}, {"io.weight", "default 100\n"}});
  }
  const auto layout = dwae::hostfs::detect_layout(dwae::hostfs::HostPaths::for_root(host.root()));
  dwae::actuator::ActuatorOptions options;
  options.cgroup_roots = {host.root() + "/sys/fs/cgroup"};
  options.journal_path = host.root() + "/state/journal.json";
  options.plan = dwae::actuator::PlanOptions{0.0, 1000.0};
  dwae::actuator::RealFileSystem fs;
  auto actuator = dwae::actuator::CgroupActuator::create(*layout, options, fs);
  if (!actuator) {
    state.SkipWithError(actuator.error().message.c_str());
    return;
  }
  std::vector<dwae::actuator::ManagedWorkload> workloads;
  for (int i = 0; i < kWorkloads; ++i) {
    dwae::actuator::ManagedWorkload w;
    w.name = "w" + std::to_string(i);
    w.files =
        dwae::actuator::files_for(*layout, dwae::hostfs::dirs_for_path(*layout, "/" + w.name));
    workloads.push_back(std::move(w));
  }
  actuator->set_workloads(workloads);
  // Every tick changes all three files of every workload.
  const auto decision = [](uint32_t round) {
    dwae::Decision d;
    const uint32_t weight = 100 + (round % 2) * 100;
    for (int i = 0; i < kWorkloads; ++i) {
      dwae::ResourceTargets t;
      t.cpu_weight = weight;
      t.io_weight = weight;
      t.memory_high_bytes = (512ull << 20) + (round % 2) * (256ull << 20);
      d.workloads.push_back(dwae::WorkloadDecision{"w" + std::to_string(i), t});
    }
    return d;
  };
  // The first tick journals every file (one fsync) and reads every workload's settings; it is
  // reported apart (first_tick_ms) so the figure is the steady state of the loop.
  const auto first_start = std::chrono::steady_clock::now();
  (void)actuator->apply(decision(1));
  state.counters["first_tick_ms"] =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - first_start)
          .count();
  uint32_t round = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const dwae::Decision d = decision(round);
    state.ResumeTiming();
    const auto report = actuator->apply(d);
    if (report.workloads_applied != kWorkloads) {
      state.SkipWithError("not every workload applied");
      return;
    }
    ++round;
  }
  state.SetItemsProcessed(state.iterations() * kWorkloads * 3);
  (void)actuator->restore();
}

void BM_WriteAndReadBackRealCgroup(benchmark::State& state) {
  dwae::test::CgroupSandbox sandbox;
  sandbox.create("b");
  const auto* cpu = sandbox.mount_for("cpu");
  const std::string path =
      sandbox.dir("cpu", "b") + (cpu != nullptr && !cpu->v2 ? "/cpu.shares" : "/cpu.weight");
  dwae::actuator::RealFileSystem fs;
  int i = 0;
  for (auto _ : state) {
    const std::string value = (i++ % 2) != 0 ? "200" : "300";
    if (auto s = fs.write(path, value); !s) {
      state.SkipWithError(s.error().message.c_str());
      return;
    }
    auto back = fs.read(path);
    benchmark::DoNotOptimize(back);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_PlanAndApply1000Workloads3Files)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WriteAndReadBackRealCgroup)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
