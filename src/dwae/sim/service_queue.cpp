// Multi-server FCFS in virtual time: a request takes the thread that frees first; it starts
// when both it and that thread are there, and ends `work` virtual ns later.
#include "dwae/sim/service_queue.h"

#include <algorithm>

namespace dwae::sim {

ServiceQueue::ServiceQueue(uint32_t servers)
    : servers_(std::max<uint32_t>(servers, 1)), thread_free_v_(servers_, 0.0) {}

void ServiceQueue::replace_earliest_free(double v) {
  const size_t n = thread_free_v_.size();
  size_t i = 0;
  for (;;) {
    const size_t left = 2 * i + 1;
    if (left >= n) break;
    const size_t right = left + 1;
    const size_t child = right < n && thread_free_v_[right] < thread_free_v_[left] ? right : left;
    if (!(thread_free_v_[child] < v)) break;
    thread_free_v_[i] = thread_free_v_[child];
    i = child;
  }
  thread_free_v_[i] = v;
}

void ServiceQueue::begin_step(double t0_ns, double t1_ns, double speed) {
  // Carry virtual time across the step boundary at the old speed, then switch.
  v0_ = virtual_at(t0_ns);
  t0_ = t0_ns;
  speed_ = speed;
  inverse_speed_ = speed > 0 ? 1.0 / speed : 0;
  v1_ = virtual_at(t1_ns);
}

size_t ServiceQueue::drop_all() {
  const size_t dropped = pending_.size();
  pending_ = {};
  thread_free_v_.assign(servers_, v0_);
  return dropped;
}

}  // namespace dwae::sim
