// The memory, block, network and lifecycle collectors: each loads its BPF object through the
// generated skeleton and sums the per-CPU records of its per-cgroup map into *Stats.
#include "dwae/telemetry/collectors.h"

#include <bpf/bpf.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "dwae/telemetry/bpf_support.h"

// clang-format off
#include "records.h"
#include "memory.skel.h"  // after records.h: the skeletons use its types
#include "block.skel.h"
#include "net.skel.h"
#include "lifecycle.skel.h"
// clang-format on

namespace dwae::telemetry {

static_assert(sizeof(dwae_memory_record) % 8 == 0 && sizeof(dwae_block_record) % 8 == 0 &&
                  sizeof(dwae_net_record) % 8 == 0 && sizeof(dwae_lifecycle_record) % 8 == 0,
              "batch calls lay per-CPU values out at 8-byte strides");
static_assert(static_cast<int>(DWAE_ATTR_V2) == static_cast<int>(DWAE_SCHED_ATTR_V2) &&
              static_cast<int>(DWAE_ATTR_V1_CPU) == static_cast<int>(DWAE_SCHED_ATTR_V1_CPU));

template <typename Stats>
struct EventCollector<Stats>::Impl {
  // Declared before `link` so that the link is destroyed (detached) first.
  std::shared_ptr<void> skeleton;
  std::shared_ptr<bpf_link> link;
  int map_fd = -1;
  int possible_cpus = 0;
  size_t value_size = 0;
  void (*add)(Stats&, const std::byte*) = nullptr;
  std::vector<std::string> missing_events;
  CgroupAttribution attribution = CgroupAttribution::kUnified;
  std::string ingress_problem;
};

template <typename Stats>
EventCollector<Stats>::EventCollector(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
template <typename Stats>
EventCollector<Stats>::EventCollector(EventCollector&&) noexcept = default;
template <typename Stats>
EventCollector<Stats>& EventCollector<Stats>::operator=(EventCollector&&) noexcept = default;
template <typename Stats>
EventCollector<Stats>::~EventCollector() = default;

template <typename Stats>
Result<StatsByCgroup<Stats>> EventCollector<Stats>::drain() {
  StatsByCgroup<Stats> out;
  const Impl& impl = *impl_;
  const Status s = detail::drain_percpu_hash(
      impl.map_fd, impl.possible_cpus, impl.value_size, [&](CgroupId id, const std::byte* values) {
        Stats& stats = out[id];
        for (int cpu = 0; cpu < impl.possible_cpus; ++cpu) {
          impl.add(stats, values + static_cast<size_t>(cpu) * impl.value_size);
        }
      });
  if (!s) return s.error();
  return out;
}

template <typename Stats>
const std::vector<std::string>& EventCollector<Stats>::missing_events() const {
  return impl_->missing_events;
}

template <typename Stats>
CgroupAttribution EventCollector<Stats>::attribution() const {
  return impl_->attribution;
}

template class EventCollector<MemoryStats>;
template class EventCollector<BlockStats>;
template class EventCollector<NetStats>;
template class EventCollector<LifecycleStats>;

namespace {

template <typename Record>
Record record_at(const std::byte* p) {
  Record r;
  std::memcpy(&r, p, sizeof(r));
  return r;
}

void add_histogram(Log2Histogram& h, const __u64 (&buckets)[DWAE_SCHED_HIST_BUCKETS]) {
  for (size_t i = 0; i < Log2Histogram::kBuckets; ++i) h.buckets[i] += buckets[i];
}

void add_memory(MemoryStats& s, const std::byte* p) {
  const auto r = record_at<dwae_memory_record>(p);
  s.user_faults += r.user_faults;
  s.page_allocations += r.page_allocations;
  s.pages_allocated += r.pages_allocated;
  s.direct_reclaims += r.direct_reclaims;
  s.limit_reclaims += r.limit_reclaims;
  s.reclaim_stall_ns += r.reclaim_stall_ns;
  s.pages_reclaimed += r.pages_reclaimed;
  s.oom_kills += r.oom_kills;
  add_histogram(s.reclaim_stall, r.reclaim_stall_hist);
}

void add_block(BlockStats& s, const std::byte* p) {
  const auto r = record_at<dwae_block_record>(p);
  BlockStats::Direction* dirs[2] = {&s.read, &s.write};
  for (size_t d = 0; d < 2; ++d) {
    dirs[d]->ios += r.ios[d];
    dirs[d]->bytes += r.bytes[d];
    dirs[d]->sequential_ios += r.sequential_ios[d];
    dirs[d]->sequential_bytes += r.sequential_bytes[d];
  }
  s.metadata_ios += r.metadata_ios;
  s.other_ios += r.other_ios;
  s.errors += r.errors;
  s.queued_ios += r.queued_ios;
  s.queue_ns += r.queue_ns;
  s.latency_ns += r.latency_ns;
  add_histogram(s.latency, r.latency_hist);
}

void add_net(NetStats& s, const std::byte* p) {
  const auto r = record_at<dwae_net_record>(p);
  s.rx_packets += r.rx_packets;
  s.rx_bytes += r.rx_bytes;
  s.tx_packets += r.tx_packets;
  s.tx_bytes += r.tx_bytes;
  s.tcp_retransmits += r.tcp_retransmits;
  s.congestion_events += r.congestion_events;
  s.loss_events += r.loss_events;
  s.rx_queue_drops += r.rx_queue_drops;
  s.device_rx_packets += r.device_rx_packets;
  s.device_rx_bytes += r.device_rx_bytes;
}

void add_lifecycle(LifecycleStats& s, const std::byte* p) {
  const auto r = record_at<dwae_lifecycle_record>(p);
  s.forks += r.forks;
  s.execs += r.execs;
  s.thread_exits += r.thread_exits;
  s.process_exits += r.process_exits;
}

// Loads one collector and fills the class-independent part of its Impl.
template <typename Stats, typename Skel, typename Record>
Result<std::unique_ptr<typename EventCollector<Stats>::Impl>> load(
    const detail::SkeletonFns<Skel>& fns, const std::string& what, const CollectorOptions& options,
    bpf_map* (*map_of)(Skel*), void (*add)(Stats&, const std::byte*),
    const std::function<void(Skel*)>& before_load = {}) {
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return Error::from_errno("counting possible CPUs", detail::error_number(cpus));
  auto impl = std::make_unique<typename EventCollector<Stats>::Impl>();
  auto skel = detail::open_collector(fns, what, options, impl->missing_events, before_load);
  if (!skel) return skel.error();
  impl->map_fd = bpf_map__fd(map_of(skel->get()));
  impl->possible_cpus = cpus;
  impl->value_size = sizeof(Record);
  impl->add = add;
  impl->attribution = options.attribution;
  impl->skeleton = std::shared_ptr<void>(
      skel->release(), [destroy = fns.destroy](void* p) { destroy(static_cast<Skel*>(p)); });
  return impl;
}

}  // namespace

Result<MemoryCollector> MemoryCollector::create(const CollectorOptions& options) {
  const detail::SkeletonFns<memory_bpf> fns{memory_bpf__open_opts, memory_bpf__load,
                                            memory_bpf__attach, memory_bpf__destroy};
  auto impl = load<MemoryStats, memory_bpf, dwae_memory_record>(
      fns, "memory", options, [](memory_bpf* s) { return s->maps.memory_by_cgroup; }, add_memory);
  if (!impl) return impl.error();
  return MemoryCollector(std::move(impl).value());
}

Result<BlockCollector> BlockCollector::create(const CollectorOptions& options) {
  const detail::SkeletonFns<block_bpf> fns{block_bpf__open_opts, block_bpf__load, block_bpf__attach,
                                           block_bpf__destroy};
  auto impl = load<BlockStats, block_bpf, dwae_block_record>(
      fns, "block I/O", options, [](block_bpf* s) { return s->maps.block_by_cgroup; }, add_block);
  if (!impl) return impl.error();
  return BlockCollector(std::move(impl).value());
}

Result<NetCollector> NetCollector::create(const CollectorOptions& options,
                                          const std::string& cgroup2_mount) {
  const detail::SkeletonFns<net_bpf> fns{net_bpf__open_opts, net_bpf__load, net_bpf__attach,
                                         net_bpf__destroy};
  bpf_program* ingress = nullptr;
  auto impl = load<NetStats, net_bpf, dwae_net_record>(
      fns, "network", options, [](net_bpf* s) { return s->maps.net_by_cgroup; }, add_net,
      [&](net_bpf* s) {
        ingress = s->progs.dwae_sock_ingress;
        bpf_program__set_autoattach(ingress, false);  // attached below, to a cgroup
      });
  if (!impl) return impl.error();
  if (cgroup2_mount.empty()) {
    (*impl)->ingress_problem = "no cgroup v2 mount to attach the socket receive hook to";
  } else {
    const int fd = ::open(cgroup2_mount.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      (*impl)->ingress_problem = "opening " + cgroup2_mount + ": " + std::strerror(errno);
    } else {
      bpf_link* link = bpf_program__attach_cgroup(ingress, fd);
      const int err = errno;
      ::close(fd);
      if (link == nullptr) {
        (*impl)->ingress_problem =
            "attaching the socket receive hook to " + cgroup2_mount + ": " + std::strerror(err);
      } else {
        (*impl)->link = std::shared_ptr<bpf_link>(link, bpf_link__destroy);
      }
    }
  }
  return NetCollector(std::move(impl).value());
}

const std::string& NetCollector::socket_ingress_problem() const {
  return impl_->ingress_problem;
}

Result<LifecycleCollector> LifecycleCollector::create(const CollectorOptions& options) {
  const detail::SkeletonFns<lifecycle_bpf> fns{lifecycle_bpf__open_opts, lifecycle_bpf__load,
                                               lifecycle_bpf__attach, lifecycle_bpf__destroy};
  auto impl = load<LifecycleStats, lifecycle_bpf, dwae_lifecycle_record>(
      fns, "lifecycle", options, [](lifecycle_bpf* s) { return s->maps.lifecycle_by_cgroup; },
      add_lifecycle);
  if (!impl) return impl.error();
  const auto* skel = static_cast<const lifecycle_bpf*>((*impl)->skeleton.get());
  const std::vector<std::string>& missing = (*impl)->missing_events;
  const bool watched = std::none_of(missing.begin(), missing.end(), [](const std::string& e) {
    return e.rfind("cgroup_", 0) == 0;
  });
  LifecycleCollector collector(std::move(impl).value());
  if (watched) {
    collector.cgroup_changes_ = &skel->bss->cgroup_changes;
    collector.task_moves_ = &skel->bss->task_moves;
  }
  return collector;
}

std::optional<CgroupTreeChanges> LifecycleCollector::tree_changes() const {
  if (cgroup_changes_ == nullptr) return std::nullopt;
  const auto load = [](const void* counter) -> uint64_t {
    return __atomic_load_n(static_cast<const __u64*>(counter), __ATOMIC_RELAXED);
  };
  return CgroupTreeChanges{load(cgroup_changes_), load(task_moves_)};
}

}  // namespace dwae::telemetry
