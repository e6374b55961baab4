// SimHost: the simulated host. It implements the same HostSource and Actuator interfaces as the
// real host and is driven by an injected ManualClock, so the control loop cannot tell it apart.
// Time advances in steps of the scenario's quantum: each step shares the CPU by weighted
// water-filling, runs request queues event by event inside it, and moves the fluid memory, I/O
// and network models.
#pragma once

#include <memory>
#include <vector>

#include "dwae/common/clock.h"
#include "dwae/host/host.h"
#include "dwae/sim/io_model.h"
#include "dwae/sim/metrics.h"
#include "dwae/sim/net_model.h"
#include "dwae/sim/rng.h"
#include "dwae/sim/scenario.h"
#include "dwae/sim/water_fill.h"
#include "dwae/sim/workload_state.h"

namespace dwae::sim {

// The message of a field that passed its own check but was not applied because another field
// of the same workload was refused (apply() is one transaction per workload).
inline constexpr const char* kNotAppliedWithTheRest =
    "not applied: another field of this workload was rejected";

class SimHost final : public HostSource, public Actuator {
 public:
  // `scenario` must outlive the host.
  SimHost(const Scenario& scenario, ManualClock& clock);
  ~SimHost() override;

  Result<std::vector<WorkloadInfo>> workloads() override;
  Result<HostSample> sample() override;
  ApplyReport apply(const Decision& decision) override;
  Status restore() override;

  // Simulates up to `t` and sets the clock to it.
  void run_until(Nanos t);
  const Metrics& metrics() const { return metrics_; }
  const Scenario& scenario() const { return scenario_; }

 private:
  void step(double t0, double dt);
  void step_phases(WorkloadState& w, double t0, double dt);
  // Sums over all workloads from the step's first pass.
  struct StepTotals {
    double wanted_sum = 0, reclaimable_sum = 0;  // memory
    bool any_idle = false;
    double runnable = 0, weight_sum = 0;  // runnable threads of normal workloads
    int running = 0;
  };
  void step_memory(double t0, double dt, double wanted_sum, double reclaimable_sum);
  void step_cpu(double dt, const StepTotals& totals);
  double smt_speed(double busy_cpus) const;  // work speed of a thread from SMT sharing
  void step_hardware_speed(double smt);
  void step_requests(WorkloadState& w, double t0, double dt);
  void step_bulk(WorkloadState& w, double t0, double dt);
  void step_devices(double dt);
  void kill(WorkloadState& w, double now);
  void set_targets(WorkloadState& w, const ResourceTargets& t, const std::string& name,
                   ApplyReport& report);
  void derive(WorkloadState& w);
  uint32_t node_of_cpu(uint32_t cpu) const;
  void update_topology();

  const Scenario& scenario_;
  ManualClock& clock_;
  std::vector<std::unique_ptr<WorkloadState>> workloads_;
  IoModel io_;
  NetModel net_;
  Metrics metrics_;
  double now_ns_ = 0;
  bool topology_dirty_ = true;
  double speeds_smt_ = -1;  // the SMT factor of the workloads' hw_speed; -1: to be computed
  std::vector<uint32_t> allowed_count_;  // per logical CPU: workloads allowed on it
  uint32_t usable_cpus_ = 0;
  bool any_cpuset_ = false;
  std::vector<double> overlap_;  // n x n, see update_topology()
  double next_window_ns_ = 1e9;
  // Scratch space for the inner loop.
  std::vector<ShareRequest> requests_;
  std::vector<double> allocation_;
  std::vector<size_t> order_, index_;
  std::vector<double> cap_, level_, group_alloc_, footprint_, io_before_, runnable_;
  std::vector<ShareRequest> group_;
  std::vector<IoQueue*> io_queues_;    // workloads that can issue I/O
  std::vector<size_t> io_throughput_;  // bulk I/O workloads whose bytes are their throughput
  bool any_llc_sensitive_ = false;
  std::vector<NetQueue*> net_queues_;
};

}  // namespace dwae::sim
