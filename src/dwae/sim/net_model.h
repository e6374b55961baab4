// One network link shared by every workload: bandwidth split by net_share weights with
// borrowing (work-conserving water-filling); each workload has a queue of bounded depth;
// what overflows is dropped, and reliable (TCP) traffic retransmits it.
#pragma once

#include <cstdint>
#include <vector>

#include "dwae/sim/scenario.h"
#include "dwae/sim/water_fill.h"

namespace dwae::sim {

struct NetQueue {
  double share = 0;  // weight; 0 = an equal share
  bool reliable = true;
  double queued_bytes = 0;
  double offered_bytes = 0;     // added this step by the workload
  double retransmit_bytes = 0;  // dropped last step, offered again this step
  double queue_delay_ns = 0;    // time a byte entering now waits
  double tx_bytes = 0, rx_bytes = 0;
  uint64_t drops = 0, retransmits = 0;
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
