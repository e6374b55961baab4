// The network link model: a TCP sender over capacity is backpressured (what the link queue
// cannot take waits in the sender, a dropped byte is dropped and retransmitted once), RTP loses
// what exceeds the queue, bytes are conserved, and net_share splits the link with borrowing.
#include "dwae/sim/net_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "dwae/sim/runner.h"
#include "dwae/sim/scenario.h"

namespace dwae::sim {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;
constexpr double kStepNs = 5e6;
constexpr double kMtu = 1500;
constexpr double kQueueLimitBytes = 1000 * kMtu;  // the default queue_packets x mtu

LinkSpec link_100mib() {
  LinkSpec link;
  link.bandwidth_bps = 100 * kMiB;
  return link;
}

// Runs `seconds` of steps, each queue offered its rate (bytes/s); no step sends more than the
// link carries.
void run_for(NetModel& model, std::vector<NetQueue*>& queues, const std::vector<double>& rates,
             double seconds) {
  const double capacity = link_100mib().bandwidth_bps * kStepNs / 1e9;
  const auto steps = static_cast<int>(std::lround(seconds * 1e9 / kStepNs));
  for (int s = 0; s < steps; ++s) {
    double tx_before = 0;
    for (size_t i = 0; i < queues.size(); ++i) {
      queues[i]->offered_bytes += rates[i] * kStepNs / 1e9;
      tx_before += queues[i]->tx_bytes;
    }
    model.step(kStepNs, queues);
    double tx_after = 0;
    for (const NetQueue* q : queues) tx_after += q->tx_bytes;
    ASSERT_LE(tx_after - tx_before, capacity * (1 + 1e-12));
  }
}

TEST(NetModel, ReliableSenderOverCapacityDropsEachByteOnce) {
  NetModel model(link_100mib());
  NetQueue q;
  std::vector<NetQueue*> queues{&q};
  run_for(model, queues, {200 * kMiB}, 5);
  const uint64_t first = q.drops;
  run_for(model, queues, {200 * kMiB}, 5);
  const uint64_t second = q.drops - first;
  EXPECT_GT(first, 0u);
  // Drops do not compound: the second 5 s drop no more than the first (the sender blocks once
  // it holds 1 s of its offered rate, and then nothing new overflows).
  EXPECT_LE(second, first);
  // At most the excess over the link: 100 MiB/s for 10 s, in packets.
  EXPECT_LE(q.drops, static_cast<uint64_t>(std::ceil(100 * kMiB * 10 / kMtu)));
  EXPECT_EQ(q.retransmits, q.drops);
  EXPECT_NEAR(q.tx_bytes, 100 * kMiB * 10, 1.0);  // the link stays full
  EXPECT_NEAR(q.queued_bytes, kQueueLimitBytes, 1e-6);
}

TEST(NetModel, BlockedReliableSenderHoldsOneSecondAndConservesBytes) {
  NetModel model(link_100mib());
  NetQueue q;
  std::vector<NetQueue*> queues{&q};
  run_for(model, queues, {200 * kMiB}, 5);
  // The sender holds 1 s of its 200 MiB/s; the rest of what the application offered is blocked.
  EXPECT_NEAR(q.waiting_bytes, 200 * kMiB, 1.0);
  const double offered = 200 * kMiB * 5;
  EXPECT_NEAR(q.tx_bytes + q.queued_bytes + q.waiting_bytes + q.blocked_bytes, offered, 1.0);
  EXPECT_NEAR(q.blocked_bytes, offered - 100 * kMiB * 5 - kQueueLimitBytes - 200 * kMiB, 1.0);
  // Every dropped byte waited in the sender: never more dropped than the sender ever held.
  EXPECT_LE(q.dropped_bytes, q.waiting_bytes + 1.0);
  EXPECT_EQ(q.drops, static_cast<uint64_t>(std::ceil(q.dropped_bytes / kMtu)));
}

TEST(NetModel, QueueDelayIncludesTheBytesWaitingInTheSender) {
  NetModel model(link_100mib());
  NetQueue q;
  std::vector<NetQueue*> queues{&q};
  run_for(model, queues, {200 * kMiB}, 5);
  // 1.5 MB in the link queue plus 200 MiB in the sender, drained at 100 MiB/s: ~2 s.
  const double expected_ns = (kQueueLimitBytes + 200 * kMiB) / (100 * kMiB) * 1e9;
  EXPECT_NEAR(q.queue_delay_ns, expected_ns, expected_ns * 1e-6);
}

TEST(NetModel, ABurstBeyondTheQueueIsDroppedOnceThenSentInFull) {
  NetModel model(link_100mib());
  NetQueue q;
  std::vector<NetQueue*> queues{&q};
  q.offered_bytes = 4 * kMiB;  // one 4 MiB response onto an idle link
  model.step(kStepNs, queues);
  const double per_step = 100 * kMiB * kStepNs / 1e9;
  const double excess = 4 * kMiB - per_step - kQueueLimitBytes;
  EXPECT_NEAR(q.queue_delay_ns, (4 * kMiB - per_step) / (100 * kMiB) * 1e9, 1.0);
  run_for(model, queues, {0}, 1);
  EXPECT_EQ(q.drops, static_cast<uint64_t>(std::ceil(excess / kMtu)));
  EXPECT_EQ(q.retransmits, q.drops);
  EXPECT_NEAR(q.tx_bytes, 4 * kMiB, 1e-6);  // everything dropped was sent again
  EXPECT_EQ(q.queued_bytes, 0.0);
  EXPECT_EQ(q.queue_delay_ns, 0.0);
}

TEST(NetModel, UnreliableOverCapacityLosesTheExcessOnce) {
  NetModel model(link_100mib());
  NetQueue q;
  q.reliable = false;
  std::vector<NetQueue*> queues{&q};
  run_for(model, queues, {200 * kMiB}, 10);
  const double offered = 200 * kMiB * 10;
  const double lost = offered - q.tx_bytes - q.queued_bytes;
  EXPECT_NEAR(lost, 100 * kMiB * 10 - kQueueLimitBytes, 1.0);
  EXPECT_NEAR(static_cast<double>(q.drops), lost / kMtu, lost / kMtu * 0.005);
  EXPECT_EQ(q.retransmits, 0u);
  EXPECT_NEAR(q.dropped_bytes, lost, 1.0);
  EXPECT_EQ(q.waiting_bytes, 0.0);
  EXPECT_EQ(q.blocked_bytes, 0.0);
}

TEST(NetModel, UnderCapacityNothingIsDropped) {
  NetModel model(link_100mib());
  NetQueue tcp, rtp;
  rtp.reliable = false;
  std::vector<NetQueue*> queues{&tcp, &rtp};
  run_for(model, queues, {40 * kMiB, 40 * kMiB}, 5);
  for (const NetQueue* q : queues) {
    EXPECT_EQ(q->drops, 0u);
    EXPECT_EQ(q->retransmits, 0u);
    EXPECT_NEAR(q->tx_bytes, 40 * kMiB * 5, 1e-3);
    EXPECT_EQ(q->queued_bytes, 0.0);
    EXPECT_EQ(q->queue_delay_ns, 0.0);
  }
}

TEST(NetModel, SharesSplitTheLinkWithBorrowing) {
  NetModel model(link_100mib());
  NetQueue a, b, c;
  a.share = 0.7;
  b.share = 0.2;
  std::vector<NetQueue*> queues{&a, &b, &c};
  run_for(model, queues, {80 * kMiB, 80 * kMiB, 1 * kMiB}, 10);
  EXPECT_NEAR(c.tx_bytes / 10, 1 * kMiB, 1e-3);
  EXPECT_NEAR(a.tx_bytes / b.tx_bytes, 3.5, 1e-3);
  EXPECT_NEAR((a.tx_bytes + b.tx_bytes + c.tx_bytes) / 10, 100 * kMiB, 1.0);
  EXPECT_EQ(c.drops, 0u);
  EXPECT_GT(b.drops, 0u);
  EXPECT_LE(b.drops, static_cast<uint64_t>(std::ceil((80 - 22) * kMiB * 10 / kMtu)));
}

// One bulk TCP sender offering twice a 100 MiB/s link, through the whole simulator.
TEST(NetModel, OverloadedTcpSenderScenarioDropsAtMostTheExcess) {
  const auto load = load_scenario_text(
      "name: net-overload\n"
      "duration: 10s\n"
      "seed: 1\n"
      "host: {cores: 4, memory: 16GiB, network: {bandwidth: 100MiB}}\n"
      "classes:\n"
      "  - {name: bg, kind: best-effort}\n"
      "workloads:\n"
      "  - {name: sender, class: bg, kind: noisy, threads: 1, burst: {on: 1000s, off: 1us},\n"
      "     network: {rate: 200MiB}}\n",
      "net-overload.yaml");
  ASSERT_TRUE(load.scenario);
  auto policy = make_policy("static", *load.scenario);
  ASSERT_TRUE(policy.ok());
  const auto report = run_scenario(*load.scenario, **policy);
  ASSERT_TRUE(report.ok());
  EXPECT_GT(report->host.net_drops, 0u);
  EXPECT_LE(report->host.net_drops, static_cast<uint64_t>(std::ceil(100 * kMiB * 10 / kMtu)));
  EXPECT_EQ(report->host.net_retransmits, report->host.net_drops);
}

}  // namespace
}  // namespace dwae::sim
