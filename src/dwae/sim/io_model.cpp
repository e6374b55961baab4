// Latency of an op = the device's base service time + the time to drain the workload's own
// backlog at the rate it is being served (Little's law), so latency rises with the
// workload's queue, not with a formula of host load.
#include "dwae/sim/io_model.h"

#include <algorithm>
#include <bit>

namespace dwae::sim {

double IoModel::op_cost_s(IoPattern pattern, uint64_t op_bytes) const {
  const double bytes = static_cast<double>(op_bytes);
  const double transfer = bytes / disk_.bandwidth_bps;
  const double random_op = 1.0 / disk_.random_iops;
  switch (pattern) {
    case IoPattern::kRandRead:
    case IoPattern::kRandWrite:
      return std::max(random_op * std::max(1.0, bytes / 4096.0), transfer);
    case IoPattern::kSeqRead:
    case IoPattern::kSeqWrite:
      return std::max(random_op / disk_.random_penalty, transfer);
    case IoPattern::kMetadata:
      return random_op * disk_.metadata_cost;
  }
  return random_op;
}

void IoModel::step(double dt_ns, std::vector<IoQueue*>& queues) {
  const double dt_s = dt_ns / 1e9;
  requests_.resize(queues.size());
  allocation_.resize(queues.size());
  for (size_t i = 0; i < queues.size(); ++i) {
    const IoQueue& q = *queues[i];
    const double cost = q.cost_s;
    double ops = q.backlog_ops;
    if (q.limit_iops > 0) ops = std::min(ops, q.limit_iops * dt_s);
    if (q.limit_bps > 0) ops = std::min(ops, q.limit_bps * dt_s / static_cast<double>(q.op_bytes));
    requests_[i] = {ops * cost, static_cast<double>(std::max<uint32_t>(q.weight, 1))};
  }
  bool contended = false;
  water_fill_into(dt_s, requests_.data(), requests_.size(), allocation_.data(), order_, &contended);
  // The device's own queue: every op waits behind the others in flight, whoever issued them
  // (an M/M/1 wait at the device's utilisation, in units of its base service time). Weights
  // decide throughput; a storm still lengthens everyone's queue.
  double busy = 0;
  for (size_t i = 0; i < queues.size(); ++i) busy += allocation_[i];
  const double rho = std::min(busy / dt_s, 0.98);
  const double device_wait = static_cast<double>(disk_.base_latency.count()) * rho / (1 - rho);
  for (size_t i = 0; i < queues.size(); ++i) {
    IoQueue& q = *queues[i];
    if (requests_[i].demand == 0 && q.backlog_ops == 0) {
      q.served_ops_step = 0;
      q.latency_ns = static_cast<double>(disk_.base_latency.count()) + q.cost_s * 1e9 + device_wait;
      continue;
    }
    const double cost = q.cost_s;
    const double served = allocation_[i] / cost;
    q.backlog_ops = std::max(0.0, q.backlog_ops - served);
    q.served_ops_step = served;
    const double rate_per_ns = served / dt_ns;
    const double wait =
        rate_per_ns > 0 ? q.backlog_ops / rate_per_ns : (q.backlog_ops > 0 ? dt_ns : 0);
    q.latency_ns =
        static_cast<double>(disk_.base_latency.count()) + cost * 1e9 + device_wait + wait;
    if (q.backlog_ops > 0.5) {
      q.psi_some_ns += dt_ns;
      if (served < 0.5) q.psi_full_ns += dt_ns;
    }
    q.served_carry += served;
    const auto whole = static_cast<uint64_t>(q.served_carry);
    if (whole == 0) continue;
    q.served_carry -= static_cast<double>(whole);
    const uint64_t bytes = whole * q.op_bytes;
    {
      // Log2Histogram::add, inline (same buckets as Log2Histogram::bucket_of).
      const auto ns = static_cast<uint64_t>(q.latency_ns);
      const auto b = ns < 2 ? size_t{0} : static_cast<size_t>(std::bit_width(ns) - 1);
      q.latency_hist.buckets[b < Log2Histogram::kBuckets ? b : Log2Histogram::kBuckets - 1] +=
          whole;
    }
    switch (q.pattern) {
      case IoPattern::kSeqRead:
        q.io.seq_read_ios += whole;
        q.io.seq_read_bytes += bytes;
        break;
      case IoPattern::kSeqWrite:
        q.io.seq_write_ios += whole;
        q.io.seq_write_bytes += bytes;
        break;
      case IoPattern::kRandRead:
        q.io.rand_read_ios += whole;
        q.io.rand_read_bytes += bytes;
        break;
      case IoPattern::kRandWrite:
        q.io.rand_write_ios += whole;
        q.io.rand_write_bytes += bytes;
        break;
      case IoPattern::kMetadata:
        q.io.metadata_ios += whole;
        break;
    }
  }
  busy_share_ = busy / dt_s;
}

}  // namespace dwae::sim
