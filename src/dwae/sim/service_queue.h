// A request/response service: `servers` worker threads in front of one FCFS queue (M/M/c when
// arrivals are Poisson and work exponential). Threads progress at a speed set per simulation
// step (their CPU share times hardware speed); time inside a step is tracked as "virtual work
// time", so a request's completion is exact however the speed changes between steps.
#pragma once

#include <algorithm>
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
  // The work (virtual ns) its threads still hold at `t_ns` (the current step's start, before
  // begin_step), each thread's counted up to `per_thread_cap`: what they can run in the next
  // step. A thread waiting for a CPU after its wakeup holds only the work after the wait.
  // `*remaining` gets the work they hold, uncapped.
  double queued_work(double t_ns, double per_thread_cap, double* remaining) const {
    *remaining = 0;
    if (pending_.empty()) return 0;  // every thread is free
    const double v = virtual_at(t_ns);
    double work = 0, all = 0;
    // Branch-free (min/max instructions): which threads are busy is unpredictable.
    for (const Thread& thread : threads_) {
      const double left = std::max(thread.free_v - std::max(thread.work_from_v, v), 0.0);
      all += left;
      work += std::min(left, per_thread_cap);
    }
    *remaining = all;
    return work;
  }
  // Starts a step [t0_ns, t1_ns) in which every running thread does `speed` ns of work per ns.
  void begin_step(double t0_ns, double t1_ns, double speed) {
    // Carry virtual time across the step boundary at the old speed, then switch.
    v0_ = virtual_at(t0_ns);
    t0_ = t0_ns;
    speed_ = speed;
    inverse_speed_ = speed > 0 ? 1.0 / speed : 0;
    v1_ = virtual_at(t1_ns);
  }
  // A request arriving at `t_ns` (inside the step) needing `work_ns` of CPU. If it finds an
  // idle thread, that thread first waits `wakeup_delay_ns` for a CPU. Returns true when it
  // found an idle thread (a wakeup). A request that will be done before the step ends is
  // reported at once through `on_done` (its completion time is already certain); the others
  // wait for complete_until() in the step they finish in.
  template <typename F>
  bool arrive(double t_ns, double work_ns, double wakeup_delay_ns, double extra_ns, double tag,
              F&& on_done) {
    const double v = virtual_at(t_ns);
    const Thread& first = threads_.front();
    double start = first.free_v;
    double work_from = first.work_from_v;
    const bool wakeup = start <= v;
    if (wakeup) {
      start = v + wakeup_delay_ns * speed_;
      work_from = start;
    }
    const double end = start + work_ns;
    replace_earliest_free({end, work_from});
    if (end <= v1_ && speed_ > 0) {
      on_done(Completion{t_ns, real_at(end), extra_ns, tag});
    } else {
      pending_.push({end, t_ns, extra_ns, tag});
    }
    return wakeup;
  }
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
  double real_at(double v) const { return speed_ > 0 ? t0_ + (v - v0_) * inverse_speed_ : t0_; }

  uint32_t servers_;
  double t0_ = 0, v0_ = 0, speed_ = 1, inverse_speed_ = 1;
  double v1_ = 0;  // virtual time at the end of the step
  // When each thread is next free, in virtual time, and when the work of its current busy
  // period started (after its wakeup wait): a min-heap by free_v whose top is replaced in place
  // (one sift-down per request instead of a pop and a push).
  struct Thread {
    double free_v;
    double work_from_v;
  };
  std::vector<Thread> threads_;
  void replace_earliest_free(Thread t) {
    const size_t n = threads_.size();
    size_t i = 0;
    for (;;) {
      const size_t left = 2 * i + 1;
      if (left >= n) break;
      // The earlier-free child, branch-free (which one is unpredictable): a missing right
      // child compares as the left one, which is not earlier than itself.
      const size_t right = left + 1 < n ? left + 1 : left;
      const size_t child =
          left + static_cast<size_t>(threads_[right].free_v < threads_[left].free_v);
      if (!(threads_[child].free_v < t.free_v)) break;
      threads_[i] = threads_[child];
      i = child;
    }
    threads_[i] = t;
  }
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> pending_;
};

}  // namespace dwae::sim
