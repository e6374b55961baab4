// A step: water-fill the link among what each workload has to send (link queue, sender and new
// traffic), send the allocation, then keep what is left in the link queue up to its limit. New
// traffic beyond the limit is dropped once: a reliable sender keeps it to send again (it waits
// behind the link queue, which takes it as it drains, so it is not dropped again), an
// unreliable one loses it. Queue delay is the backlog over the rate the queue is served at.
#include "dwae/sim/net_model.h"

#include <algorithm>
#include <cmath>

#include "dwae/sim/io_model.h"

namespace dwae::sim {

void NetModel::step(double dt_ns, std::vector<NetQueue*>& queues, size_t sharing) {
  const double capacity = link_.bandwidth_bps * dt_ns / 1e9;
  if (sharing == 0) sharing = queues.size();
  const double equal = sharing == 0 ? 1.0 : 1.0 / static_cast<double>(sharing);
  requests_.resize(queues.size());
  allocation_.resize(queues.size());
  for (size_t i = 0; i < queues.size(); ++i) {
    const NetQueue& q = *queues[i];
    requests_[i] = {q.queued_bytes + q.waiting_bytes + q.offered_bytes,
                    std::max(q.share > 0 ? q.share : equal, 1e-6)};
  }
  bool contended = false;
  water_fill_into(capacity, requests_.data(), requests_.size(), allocation_.data(), order_,
                  &contended);
  const double mtu = link_.mtu_bytes;
  const double limit = static_cast<double>(link_.queue_packets) * mtu;
  const double sender_cap_ns = kMaxBacklogSeconds * 1e9;
  double sent_total = 0;
  for (size_t i = 0; i < queues.size(); ++i) {
    NetQueue& q = *queues[i];
    const double sent = allocation_[i];
    double offered = q.offered_bytes;
    q.offered_bytes = 0;
    if (requests_[i].demand == 0) {
      q.queue_delay_ns = 0;  // idle: nothing sent, nothing waiting
      continue;
    }
    sent_total += sent;
    q.tx_bytes += sent;
    // What is left after sending fills the link queue; a reliable sender keeps the rest.
    const double left = std::max(0.0, requests_[i].demand - sent);
    const double in_queue = std::min(left, limit);
    double over = left - in_queue;
    if (q.reliable && offered > 0) {
      // The application blocks once its sender holds kMaxBacklogSeconds of its offered rate.
      const double cap = offered / dt_ns * sender_cap_ns;
      const double blocked = std::min(offered, std::max(0.0, over - cap));
      offered -= blocked;
      over -= blocked;
      q.blocked_bytes += blocked;
    }
    // This step's new excess: its traffic beyond what the link sent and the queue can hold.
    // Bytes already waiting in the sender are not counted again.
    const double dropped =
        std::max(0.0, std::min(offered, q.queued_bytes + offered - sent - limit));
    q.queued_bytes = in_queue;
    q.waiting_bytes = q.reliable ? over : 0;
    if (dropped > 0) {
      q.dropped_bytes += dropped;
      const auto total = static_cast<uint64_t>(std::ceil(q.dropped_bytes / mtu));
      const uint64_t packets = total > q.drops ? total - q.drops : 0;
      q.drops += packets;
      if (q.reliable) q.retransmits += packets;
    }
    // The rate this queue would get if it stays backlogged: its water-filled share.
    const double rate_per_ns = std::max(sent, capacity * 1e-3) / dt_ns;
    q.queue_delay_ns = (q.queued_bytes + q.waiting_bytes) / rate_per_ns;
  }
  busy_share_ = capacity > 0 ? sent_total / capacity : 0;
}

}  // namespace dwae::sim
