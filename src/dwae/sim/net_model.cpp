// A step: queue what was offered, send the water-filled share of the link, drop what exceeds
// the queue limit. Queue delay is the backlog over the rate the queue is being served at.
#include "dwae/sim/net_model.h"

#include <algorithm>
#include <cmath>

namespace dwae::sim {

void NetModel::step(double dt_ns, std::vector<NetQueue*>& queues, size_t sharing) {
  const double capacity = link_.bandwidth_bps * dt_ns / 1e9;
  if (sharing == 0) sharing = queues.size();
  const double equal = sharing == 0 ? 1.0 : 1.0 / static_cast<double>(sharing);
  requests_.resize(queues.size());
  allocation_.resize(queues.size());
  for (size_t i = 0; i < queues.size(); ++i) {
    NetQueue& q = *queues[i];
    q.queued_bytes += q.offered_bytes + q.retransmit_bytes;
    q.offered_bytes = 0;
    q.retransmit_bytes = 0;
    requests_[i] = {q.queued_bytes, std::max(q.share > 0 ? q.share : equal, 1e-6)};
  }
  bool contended = false;
  water_fill_into(capacity, requests_.data(), requests_.size(), allocation_.data(), order_,
                  &contended);
  const double limit = static_cast<double>(link_.queue_packets) * link_.mtu_bytes;
  double sent_total = 0;
  for (size_t i = 0; i < queues.size(); ++i) {
    NetQueue& q = *queues[i];
    const double sent = allocation_[i];
    if (sent == 0 && q.queued_bytes == 0) {
      q.queue_delay_ns = 0;  // idle: nothing sent, nothing waiting
      continue;
    }
    sent_total += sent;
    q.tx_bytes += sent;
    q.queued_bytes -= sent;
    if (q.queued_bytes > limit) {
      const double dropped = q.queued_bytes - limit;
      const auto packets = static_cast<uint64_t>(std::ceil(dropped / link_.mtu_bytes));
      q.drops += packets;
      if (q.reliable) {
        q.retransmits += packets;
        q.retransmit_bytes = dropped;
      }
      q.queued_bytes = limit;
    }
    // The rate this queue would get if it stays backlogged: its water-filled share.
    const double rate_per_ns = std::max(sent, capacity * 1e-3) / dt_ns;
    q.queue_delay_ns = q.queued_bytes / rate_per_ns;
  }
  busy_share_ = capacity > 0 ? sent_total / capacity : 0;
}

}  // namespace dwae::sim
