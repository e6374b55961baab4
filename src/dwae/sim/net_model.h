// One network link shared by every workload: bandwidth split by net_share weights with
// borrowing (work-conserving water-filling); each workload has a link queue of bounded depth.
// New traffic that overflows the queue is dropped once: unreliable (RTP) traffic loses it,
// reliable (TCP) traffic keeps it in the sender to send again. A TCP sender is backpressured:
// what the link queue cannot take waits in the sender (its socket buffer), and beyond
// kMaxBacklogSeconds of its offered rate the application blocks and offers no more.
#pragma once

#include <cstdint>
#include <vector>

#include "dwae/sim/scenario.h"
#include "dwae/sim/water_fill.h"

namespace dwae::sim {

struct NetQueue {
  double share = 0;  // weight; 0 = an equal share
  bool reliable = true;
  double queued_bytes = 0;    // in the link queue (at most queue_packets x mtu)
  double waiting_bytes = 0;   // reliable only: in the sender, not yet taken by the link queue
  double offered_bytes = 0;   // added this step by the workload
  double queue_delay_ns = 0;  // time a byte entering now waits (sender and link queue)
  double tx_bytes = 0, rx_bytes = 0;
  double dropped_bytes = 0;  // cumulative, at the queue limit (each byte at most once per offer)
  double blocked_bytes = 0;  // cumulative, reliable only: not accepted, the sender was full
  uint64_t drops = 0, retransmits = 0;  // packets: ceil(dropped_bytes / mtu)
};

class NetModel {
 public:
  explicit NetModel(const LinkSpec& link) : link_(link) {}
  // `sharing`: how many workloads share the link (an unset share is 1 / sharing); `queues` may
  // leave out workloads that never send. 0 means queues.size().
  void step(double dt_ns, std::vector<NetQueue*>& queues, size_t sharing = 0);
  double busy_share() const { return busy_share_; }

 private:
  LinkSpec link_;
  std::vector<ShareRequest> requests_;
  std::vector<double> allocation_;
  std::vector<size_t> order_;
  double busy_share_ = 0;
};

}  // namespace dwae::sim
