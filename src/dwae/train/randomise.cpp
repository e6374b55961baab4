// Loads scale every offered rate of a workload (requests, frames, bytes) or, for CPU-bound
// workloads, the thread count; the static settings are the base scenario's.
#include "dwae/train/randomise.h"

#include <algorithm>
#include <cmath>

#include "dwae/train/random.h"

namespace dwae::train {

namespace {

void scale_load(sim::WorkloadSpec& w, double factor) {
  w.arrivals.rate *= factor;
  w.arrivals.off_rate *= factor;
  w.io.bytes_per_second *= factor;
  w.net.bytes_per_second *= factor;
  if (w.kind == sim::WorkloadKind::kBatch || w.kind == sim::WorkloadKind::kNoisy) {
    const double threads = std::round(static_cast<double>(w.threads) * factor);
    w.threads = static_cast<uint32_t>(std::max(1.0, threads));
  }
}

sim::Nanos scale(sim::Nanos d, double factor) {
  return sim::Nanos{static_cast<int64_t>(std::llround(static_cast<double>(d.count()) * factor))};
}

}  // namespace

bool is_evaluation_seed(uint64_t seed) {
  return seed >= kEvaluationSeedBase && seed < kEvaluationSeedBase + kEvaluationSeedCount;
}

uint64_t training_seed(uint64_t run_seed, uint64_t episode, const std::vector<uint64_t>& reserved) {
  for (uint64_t attempt = 0;; ++attempt) {
    const uint64_t s = derive_seed({run_seed, episode, attempt, 0x5EED});
    if (!is_evaluation_seed(s) && std::find(reserved.begin(), reserved.end(), s) == reserved.end())
      return s;
  }
}

sim::Scenario randomise_scenario(const sim::Scenario& base, uint64_t seed, sim::Nanos duration,
                                 const Randomisation& r) {
  TrainRng rng(derive_seed({seed, 0xD0A1}));
  sim::Scenario s = base;
  s.name = base.name + "~" + std::to_string(seed);
  s.seed = seed;
  s.duration = duration;
  const double global = rng.uniform(r.global_load_min, r.global_load_max);

  std::vector<sim::WorkloadSpec> mix;
  auto latency_sensitive = [&](const sim::WorkloadSpec& w) {
    for (const auto& c : base.classes) {
      if (c.name == w.class_name) return c.kind == WorkloadClassKind::kLatencySensitive;
    }
    return false;
  };
  for (const auto& original : base.workloads) {
    // Draw every number for every workload, kept or not, so one choice does not shift the
    // others' draws.
    const bool drop = rng.chance(r.drop_probability);
    const bool twin = rng.chance(r.duplicate_probability);
    const double load = global * rng.uniform(r.workload_load_min, r.workload_load_max);
    const double twin_load = global * rng.uniform(r.workload_load_min, r.workload_load_max);
    const double on = rng.uniform(r.burst_scale_min, r.burst_scale_max);
    const double off = rng.uniform(r.burst_scale_min, r.burst_scale_max);
    if (drop && !latency_sensitive(original)) continue;
    sim::WorkloadSpec w = original;
    scale_load(w, load);
    w.burst.on = scale(w.burst.on, on);
    w.burst.off = scale(w.burst.off, off);
    w.arrivals.on = scale(w.arrivals.on, on);
    w.arrivals.off = scale(w.arrivals.off, off);
    mix.push_back(w);
    if (twin) {
      sim::WorkloadSpec t = original;
      t.name = original.name + "-b";
      scale_load(t, twin_load);
      t.burst = w.burst;
      t.arrivals.on = w.arrivals.on;
      t.arrivals.off = w.arrivals.off;
      mix.push_back(t);
    }
  }
  s.workloads = std::move(mix);
  return s;
}

Result<std::vector<sim::Scenario>> load_scenarios(const std::vector<std::string>& paths) {
  std::vector<sim::Scenario> out;
  for (const auto& path : paths) {
    auto loaded = sim::load_scenario_file(path);
    if (!loaded.scenario) {
      std::string message = path + ": cannot load scenario";
      if (!loaded.diagnostics.empty()) message = loaded.diagnostics.front().format();
      return Error{message};
    }
    out.push_back(std::move(*loaded.scenario));
  }
  return out;
}

}  // namespace dwae::train
