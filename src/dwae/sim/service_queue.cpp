// Multi-server FCFS in virtual time: a request takes the thread that frees first; it starts
// when both it and that thread are there, and ends `work` virtual ns later.
#include "dwae/sim/service_queue.h"

#include <algorithm>

namespace dwae::sim {

ServiceQueue::ServiceQueue(uint32_t servers) : servers_(std::max<uint32_t>(servers, 1)) {
  for (uint32_t i = 0; i < servers_; ++i) thread_free_v_.push(0.0);
}

void ServiceQueue::begin_step(double t0_ns, double speed) {
  // Carry virtual time across the step boundary at the old speed, then switch.
  v0_ = virtual_at(t0_ns);
  t0_ = t0_ns;
  speed_ = speed;
}

bool ServiceQueue::arrive(double t_ns, double work_ns, double wakeup_delay_ns, double extra_ns,
                          double tag) {
  const double v = virtual_at(t_ns);
  double start = thread_free_v_.top();
  thread_free_v_.pop();
  const bool wakeup = start <= v;
  if (wakeup) start = v + wakeup_delay_ns * speed_;
  const double end = start + work_ns;
  thread_free_v_.push(end);
  pending_.push({end, t_ns, extra_ns, tag});
  return wakeup;
}

size_t ServiceQueue::drop_all() {
  const size_t dropped = pending_.size();
  pending_ = {};
  thread_free_v_ = {};
  for (uint32_t i = 0; i < servers_; ++i) thread_free_v_.push(v0_);
  return dropped;
}

}  // namespace dwae::sim
