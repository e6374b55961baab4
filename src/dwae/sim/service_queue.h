// A request/response service: `servers` worker threads in front of one FCFS queue (M/M/c when
// arrivals are Poisson and work exponential). Threads progress at a speed set per simulation
// step (their CPU share times hardware speed); time inside a step is tracked as "virtual work
// time", so a request's completion is exact however the speed changes between steps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <queue>
#include <vector>

namespace dwae::sim {

struct Completion {
  double arrival_ns = 0;
  double done_ns = 0;
  double extra_ns = 0;  // latency added outside the CPU (I/O, network), carried along
  double tag = 0;       // caller's data (e.g. a frame's deadline)
};

class ServiceQueue {
 public:
  explicit ServiceQueue(uint32_t servers);
  uint32_t servers() const { return servers_; }
  size_t in_system() const { return pending_.size(); }
  size_t busy() const { return pending_.size() < servers_ ? pending_.size() : servers_; }

  // Starts a step at `t0_ns` in which every running thread does `speed` ns of work per ns.
  void begin_step(double t0_ns, double speed);
  // A request arriving at `t_ns` (inside the step) needing `work_ns` of CPU. If it finds an
  // idle thread, that thread first waits `wakeup_delay_ns` for a CPU. Returns true when it
  // found an idle thread (a wakeup).
  bool arrive(double t_ns, double work_ns, double wakeup_delay_ns, double extra_ns, double tag);
  // Reports, in completion order, every request done by `t_ns` (inside the step).
  template <typename F>
  void complete_until(double t_ns, F&& on_done) {
    const double v = virtual_at(t_ns);
    while (!pending_.empty() && pending_.top().end_v <= v) {
      const Pending p = pending_.top();
      pending_.pop();
      on_done(Completion{p.arrival_ns, real_at(p.end_v), p.extra_ns, p.tag});
    }
  }
  // Drops everything in the system (the process was killed); returns how many were dropped.
  size_t drop_all();

 private:
  struct Pending {
    double end_v;
    double arrival_ns;
    double extra_ns;
    double tag;
    bool operator>(const Pending& o) const { return end_v > o.end_v; }
  };
  double virtual_at(double t_ns) const { return v0_ + speed_ * (t_ns - t0_); }
  double real_at(double v) const { return speed_ > 0 ? t0_ + (v - v0_) / speed_ : t0_; }

  uint32_t servers_;
  double t0_ = 0, v0_ = 0, speed_ = 1;
  std::priority_queue<double, std::vector<double>, std::greater<>> thread_free_v_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> pending_;
};

}  // namespace dwae::sim
