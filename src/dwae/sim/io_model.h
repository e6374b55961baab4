// One block device shared by every workload: device time is the resource, split by io.weight
// with water-filling among workloads that have I/O waiting; random and metadata operations cost
// more device time than sequential ones; per-workload limits cap IOPS and bandwidth.
#pragma once

#include <cstdint>
#include <vector>

#include "dwae/host/histogram.h"
#include "dwae/host/host.h"
#include "dwae/sim/scenario.h"
#include "dwae/sim/water_fill.h"

namespace dwae::sim {

struct IoQueue {
  // Configuration (per workload).
  IoPattern pattern = IoPattern::kSeqRead;
  uint64_t op_bytes = 4096;
  double cost_s = 0;  // device time per op: IoModel::op_cost_s(pattern, op_bytes)
  uint32_t weight = 100;
  double limit_iops = 0, limit_bps = 0;  // 0: unlimited
  // State.
  double backlog_ops = 0;      // offered but not yet served
  double latency_ns = 0;       // per-op latency seen in the last step
  double served_ops_step = 0;  // served in the last step
  double served_carry = 0;     // fractional ops served, not yet counted
  // Cumulative counters.
  double psi_some_ns = 0, psi_full_ns = 0;
  IoByPattern io;
  Log2Histogram latency_hist;
};

class IoModel {
 public:
  explicit IoModel(const DiskSpec& disk) : disk_(disk) {}
  // Device time one operation of this pattern and size costs, in seconds.
  double op_cost_s(IoPattern pattern, uint64_t op_bytes) const;
  // Serves one step of `dt_ns` across `queues` (offered I/O already added to their backlogs).
  void step(double dt_ns, std::vector<IoQueue*>& queues);
  double busy_share() const { return busy_share_; }

 private:
  DiskSpec disk_;
  std::vector<ShareRequest> requests_;
  std::vector<double> allocation_;
  std::vector<size_t> order_;
  double busy_share_ = 0;
};

// The most I/O a workload keeps queued: beyond this its writer or reader blocks.
inline constexpr double kMaxBacklogSeconds = 1.0;

}  // namespace dwae::sim
