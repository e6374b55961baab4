// Prometheus metrics of the agent: updated once per tick from the tick's result, rendered in
// the text exposition format (version 0.0.4) for the HTTP endpoint. Names follow Prometheus
// conventions: the dwae_ prefix, base units (seconds, bytes), _total for counters, and the
// labels `workload` and `class` on per-workload series.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "dwae/agent/control_loop.h"

namespace dwae::agent {

class Metrics {
 public:
  // `quantile_window`: ticks over which run-queue delay quantiles are computed.
  explicit Metrics(size_t quantile_window = 50) : window_(quantile_window) {}

  void set_info(const std::string& policy, bool dry_run);
  void observe(const TickResult& tick);
  void count_reload(bool ok);
  // The whole exposition; safe to call from another thread than observe().
  std::string render() const;

 private:
  // The cumulative run-queue histograms of the last ticks, in a ring that allocates only
  // while it fills.
  class History {
   public:
    void push(const Log2Histogram& h, size_t capacity);
    bool empty() const { return ring_.empty(); }
    const Log2Histogram& newest() const;
    const Log2Histogram& oldest() const;

   private:
    std::vector<Log2Histogram> ring_;
    size_t next_ = 0;  // where the next push goes: the oldest entry once full
  };
  struct Workload {
    std::string class_name;
    WorkloadSample last;
    History runq_history;
    std::optional<Nanos> p99_target;
    uint64_t decisions = 0;
    bool present = false;  // in the last tick's workloads
  };

  mutable std::mutex mu_;
  size_t window_;
  std::string policy_;
  bool dry_run_ = false;
  std::map<std::string, Workload> workloads_;  // present at the last tick
  uint64_t ticks_ = 0, tick_failures_ = 0;
  // Decisions by the policy that made them: a reload that changes the policy starts a new
  // series from 0 and the old one keeps its count (a counter never jumps between labels).
  std::map<std::string, uint64_t> decisions_;
  uint64_t writes_ = 0, write_errors_ = 0, rollbacks_ = 0;
  uint64_t reloads_ok_ = 0, reloads_failed_ = 0;
  std::map<std::string, uint64_t> guards_;  // guard -> actions
  uint64_t non_finite_outputs_ = 0;
  std::vector<uint64_t> duration_buckets_;  // cumulative counts per kDurationBounds entry
  uint64_t duration_count_ = 0;
  double duration_sum_s_ = 0;
};

// Escapes a label value for the exposition format (backslash, double quote, newline).
std::string escape_label(const std::string& value);

}  // namespace dwae::agent
