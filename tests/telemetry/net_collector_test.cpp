// NetCollector on the real kernel: TCP over a veth pair between two network namespaces this
// test creates, client and server in their own sandbox cgroups. Each side's packets and bytes
// must be charged to its own cgroup; when a tc classifier drops every 10th data packet arriving
// at the server's device, the client's cgroup shows retransmits and the server's does not. (A
// drop at the sender's own device would not do: TCP sees the local error and sends the segment
// again as new data, not as a retransmission.)
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <sched.h>
#include <unistd.h>

#include <iostream>
#include <string>
#include <thread>

#include "dwae/telemetry/collectors.h"
#include "support/cgroup_sandbox.h"
#include "support/process.h"
#include "telemetry_test_support.h"

// clang-format off
#include "drop_share.skel.h"
// clang-format on

namespace dwae::telemetry {
namespace {

using test::CgroupSandbox;
using test::run_process;
using test_support::kWorkload;
using test_support::or_die;
using test_support::wait_exit;

constexpr const char* kClientAddress = "10.231.0.1";
constexpr const char* kServerAddress = "10.231.0.2";

void ip(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"ip"};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto r = run_process(argv);
  EXPECT_EQ(r.exit_code, 0) << "ip failed: " << r.err;
}

// Namespaces <prefix>-c (device "vc", the client) and <prefix>-s ("vs", the server) joined by
// a veth pair; deleted (with the devices and any classifier on them) on destruction.
class NamespacePair {
 public:
  NamespacePair()
      : client_("dwae-" + std::to_string(::getpid()) + "-c"),
        server_("dwae-" + std::to_string(::getpid()) + "-s") {
    ip({"netns", "add", client_});
    ip({"netns", "add", server_});
    ip({"link", "add", "vc", "netns", client_, "type", "veth", "peer", "name", "vs", "netns",
        server_});
    ip({"-n", client_, "addr", "add", std::string(kClientAddress) + "/24", "dev", "vc"});
    ip({"-n", server_, "addr", "add", std::string(kServerAddress) + "/24", "dev", "vs"});
    for (const auto& [ns, dev] : {std::pair{client_, "vc"}, std::pair{server_, "vs"}}) {
      ip({"-n", ns, "link", "set", dev, "up"});
      ip({"-n", ns, "link", "set", "lo", "up"});
    }
  }
  ~NamespacePair() {
    (void)run_process({"ip", "netns", "del", client_});
    (void)run_process({"ip", "netns", "del", server_});
  }
  NamespacePair(const NamespacePair&) = delete;
  NamespacePair& operator=(const NamespacePair&) = delete;
  const std::string& client() const { return client_; }
  const std::string& server() const { return server_; }

 private:
  std::string client_, server_;
};

// Attaches the drop_share classifier to the ingress of `device` inside namespace `ns` (from a
// thread that enters the namespace; the attachment lives as long as the device).
void attach_drop_share(drop_share_bpf* skel, const std::string& ns, const char* device) {
  std::string problem;
  std::thread([&] {
    const int fd = ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) {
      problem = "entering " + ns;
      return;
    }
    ::close(fd);
    bpf_tc_hook hook{};
    hook.sz = sizeof(hook);
    hook.ifindex = static_cast<int>(::if_nametoindex(device));
    hook.attach_point = BPF_TC_INGRESS;
    const int created = bpf_tc_hook_create(&hook);
    if (created != 0 && created != -EEXIST) {
      problem = "creating the clsact hook";
      return;
    }
    bpf_tc_opts opts{};
    opts.sz = sizeof(opts);
    opts.prog_fd = bpf_program__fd(skel->progs.drop_share);
    if (bpf_tc_attach(&hook, &opts) != 0) problem = "attaching the classifier";
  }).join();
  ASSERT_TRUE(problem.empty()) << problem;
}

std::string describe(const char* name, const NetStats& s) {
  return std::string(name) + ": rx " + std::to_string(s.rx_packets) + " pkts " +
         std::to_string(s.rx_bytes) + " B; tx " + std::to_string(s.tx_packets) + " pkts " +
         std::to_string(s.tx_bytes) + " B; retransmits " + std::to_string(s.tcp_retransmits) +
         " congestion " + std::to_string(s.congestion_events) + " loss " +
         std::to_string(s.loss_events);
}

struct Transfer {
  NetStats client, server;
};

// One connection: the server accepts and reads to EOF, the client sends `bytes`.
Transfer transfer(CgroupSandbox& sandbox, NetCollector& collector, const NamespacePair& ns,
                  const std::string& hierarchy, const std::string& port, long long bytes) {
  EXPECT_TRUE(collector.drain().ok());
  const pid_t server = sandbox.spawn(
      {"ip", "netns", "exec", ns.server(), kWorkload, "serve", kServerAddress, port}, "server");
  const pid_t client = sandbox.spawn({"ip", "netns", "exec", ns.client(), kWorkload, "send",
                                      kServerAddress, port, std::to_string(bytes)},
                                     "client");
  EXPECT_EQ(wait_exit(client), 0);
  EXPECT_EQ(wait_exit(server), 0);
  auto drained = collector.drain();
  EXPECT_TRUE(drained.ok());
  if (!drained.ok()) return {};
  const CgroupId client_id = or_die(cgroup_id_of(sandbox.dir(hierarchy, "client")), "id");
  const CgroupId server_id = or_die(cgroup_id_of(sandbox.dir(hierarchy, "server")), "id");
  Transfer t{(*drained)[client_id], (*drained)[server_id]};
  std::cout << describe("client", t.client) << "\n" << describe("server", t.server) << "\n";
  return t;
}

class NetCollectorTest : public ::testing::TestWithParam<CgroupAttribution> {};

TEST_P(NetCollectorTest, ChargesTrafficToEachSocketsOwnerAndSeesRetransmits) {
  CgroupSandbox sandbox;
  const CgroupAttribution mode = GetParam();
  const std::string hierarchy = mode == CgroupAttribution::kV1Cpu ? "cpu" : "unified";
  if (sandbox.mount_for(hierarchy) == nullptr) GTEST_SKIP() << "no " << hierarchy << " hierarchy";
  ASSERT_NE(sandbox.mount_for("unified"), nullptr) << "the receive hook needs a v2 mount";
  CollectorOptions options;
  options.attribution = mode;
  NetCollector collector = or_die(
      NetCollector::create(options, sandbox.mount_for("unified")->mount_point), "net collector");
  ASSERT_EQ(collector.socket_ingress_problem(), "");
  NamespacePair ns;

  constexpr long long kBytes = 4 << 20;
  const Transfer clean = transfer(sandbox, collector, ns, hierarchy, "5001", kBytes);
  // Everything the client wrote left through its socket, everything arrived at the server's.
  EXPECT_GE(clean.client.tx_bytes, static_cast<uint64_t>(kBytes));
  EXPECT_GE(clean.client.tx_packets, static_cast<uint64_t>(kBytes / 65536));
  EXPECT_GE(clean.server.rx_bytes, static_cast<uint64_t>(kBytes));
  EXPECT_GE(clean.server.rx_packets, static_cast<uint64_t>(kBytes / 65536));
  // The other directions carry acknowledgements only.
  EXPECT_LT(clean.server.tx_bytes * 10, clean.client.tx_bytes);
  EXPECT_LT(clean.client.rx_bytes * 10, clean.server.rx_bytes);
  EXPECT_GT(clean.server.tx_packets, 0u);
  EXPECT_GT(clean.client.rx_packets, 0u);

  drop_share_bpf* drop = drop_share_bpf__open();
  ASSERT_NE(drop, nullptr);
  drop->rodata->drop_every = 10;
  ASSERT_EQ(drop_share_bpf__load(drop), 0);
  attach_drop_share(drop, ns.server(), "vs");
  const Transfer lossy = transfer(sandbox, collector, ns, hierarchy, "5002", kBytes);
  std::cout << "classifier: data packets " << drop->bss->data_packets << " dropped "
            << drop->bss->dropped << "\n";
  EXPECT_GT(drop->bss->dropped, 0u);
  EXPECT_GT(lossy.client.tcp_retransmits, 0u);
  EXPECT_GT(lossy.client.congestion_events, 0u);
  EXPECT_EQ(lossy.server.tcp_retransmits, 0u);  // its ACKs are never dropped
  EXPECT_GE(lossy.server.rx_bytes, static_cast<uint64_t>(kBytes));
  drop_share_bpf__destroy(drop);
}

std::string mode_name(const ::testing::TestParamInfo<CgroupAttribution>& p) {
  return p.param == CgroupAttribution::kV1Cpu ? "V1Cpu" : "Unified";
}

INSTANTIATE_TEST_SUITE_P(Modes, NetCollectorTest,
                         ::testing::Values(CgroupAttribution::kV1Cpu, CgroupAttribution::kUnified),
                         mode_name);

}  // namespace
}  // namespace dwae::telemetry
