// Multi-server FCFS in virtual time: a request takes the thread that frees first; it starts
// when both it and that thread are there, and ends `work` virtual ns later.
#include "dwae/sim/service_queue.h"

#include <algorithm>

namespace dwae::sim {

ServiceQueue::ServiceQueue(uint32_t servers)
    : servers_(std::max<uint32_t>(servers, 1)), threads_(servers_, Thread{0.0, 0.0}) {}

size_t ServiceQueue::drop_all() {
  const size_t dropped = pending_.size();
  pending_ = {};
  threads_.assign(servers_, Thread{v0_, v0_});
  return dropped;
}

}  // namespace dwae::sim
