// SchedCollector: loads bpf/sched.bpf.c through its generated skeleton and drains its per-CPU
// map of per-cgroup records.
#include "dwae/telemetry/sched_collector.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <utility>

// clang-format off
#include "sched_record.h"
#include "sched.skel.h"  // after sched_record.h: the skeleton uses its types
// clang-format on

namespace dwae::telemetry {
namespace {

static_assert(DWAE_SCHED_HIST_BUCKETS == Log2Histogram::kBuckets,
              "the BPF histogram and Log2Histogram must have the same buckets");
// Batch calls lay per-CPU values out at 8-byte strides.
static_assert(sizeof(dwae_sched_record) % 8 == 0);

// Entries per batch call; a hash bucket never holds this many, so ENOSPC does not occur.
constexpr uint32_t kDrainChunk = 256;

// libbpf 1.x returns -errno (and sets errno).
int error_number(int ret) {
  return ret < 0 ? -ret : (errno != 0 ? errno : EINVAL);
}

void add_record(SchedStats& s, const dwae_sched_record& r) {
  s.wakeups += r.wakeups;
  s.run_delay_ns += r.run_delay_ns;
  s.on_cpu_ns += r.on_cpu_ns;
  s.switches += r.switches;
  s.involuntary_switches += r.involuntary_switches;
  s.migrations += r.migrations;
  for (size_t i = 0; i < Log2Histogram::kBuckets; ++i) {
    s.run_queue_latency.buckets[i] += r.run_delay_hist[i];
  }
}

}  // namespace

Result<SchedCollector> SchedCollector::create(const Options& options) {
  struct stat st {};
  if (::stat(options.kernel_btf_path.c_str(), &st) != 0) {
    return Error::from_errno(
        "eBPF scheduling collector needs kernel BTF at " + options.kernel_btf_path, errno);
  }
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return Error::from_errno("counting possible CPUs", error_number(cpus));

  bpf_object_open_opts open_opts{};
  open_opts.sz = sizeof(open_opts);
  // libbpf reads the path during open only.
  open_opts.btf_custom_path = options.kernel_btf_path.c_str();
  sched_bpf* skel = sched_bpf__open_opts(&open_opts);
  if (skel == nullptr) {
    return Error::from_errno("opening the eBPF scheduling collector", errno != 0 ? errno : EINVAL);
  }
  skel->rodata->attribution_mode = options.attribution == CgroupAttribution::kV1Cpu
                                       ? DWAE_SCHED_ATTR_V1_CPU
                                       : DWAE_SCHED_ATTR_V2;
  // Run on demand by credit_running_tasks(), never attached.
  bpf_program__set_autoattach(skel->progs.dwae_sched_flush_cpu, false);

  if (const int err = sched_bpf__load(skel); err != 0) {
    sched_bpf__destroy(skel);
    return Error::from_errno(
        "loading the eBPF scheduling collector (needs CAP_BPF and CAP_PERFMON, or root; "
        "libbpf printed the verifier log, if any, to stderr)",
        error_number(err));
  }
  if (const int err = sched_bpf__attach(skel); err != 0) {
    sched_bpf__destroy(skel);
    return Error::from_errno("attaching the eBPF scheduling collector to sched tracepoints",
                             error_number(err));
  }
  return SchedCollector(skel, options.attribution, options.credit_running_tasks, cpus);
}

SchedCollector::SchedCollector(sched_bpf* skel, CgroupAttribution attribution, bool credit_running,
                               int cpus)
    : skel_(skel),
      attribution_(attribution),
      credit_running_(credit_running),
      possible_cpus_(cpus) {}

SchedCollector::SchedCollector(SchedCollector&& other) noexcept
    : skel_(std::exchange(other.skel_, nullptr)),
      attribution_(other.attribution_),
      credit_running_(other.credit_running_),
      possible_cpus_(other.possible_cpus_) {}

SchedCollector& SchedCollector::operator=(SchedCollector&& other) noexcept {
  if (this != &other) {
    if (skel_ != nullptr) sched_bpf__destroy(skel_);
    skel_ = std::exchange(other.skel_, nullptr);
    attribution_ = other.attribution_;
    credit_running_ = other.credit_running_;
    possible_cpus_ = other.possible_cpus_;
  }
  return *this;
}

SchedCollector::~SchedCollector() {
  if (skel_ != nullptr) sched_bpf__destroy(skel_);
}

Status SchedCollector::credit_running_tasks() {
  const int prog_fd = bpf_program__fd(skel_->progs.dwae_sched_flush_cpu);
  for (int cpu = 0; cpu < possible_cpus_; ++cpu) {
    bpf_test_run_opts run_opts{};
    run_opts.sz = sizeof(run_opts);
    run_opts.flags = BPF_F_TEST_RUN_ON_CPU;
    run_opts.cpu = static_cast<__u32>(cpu);
    const int err = bpf_prog_test_run_opts(prog_fd, &run_opts);
    // An offline CPU runs nothing to credit.
    if (err != 0 && error_number(err) != ENXIO) {
      return Error::from_errno("crediting running tasks on CPU " + std::to_string(cpu),
                               error_number(err));
    }
  }
  return Status::success();
}

Result<SchedStatsByCgroup> SchedCollector::drain() {
  if (credit_running_) {
    if (Status s = credit_running_tasks(); !s) return s.error();
  }
  const int map_fd = bpf_map__fd(skel_->maps.sched_by_cgroup);
  std::vector<CgroupId> keys(kDrainChunk);
  std::vector<dwae_sched_record> values(static_cast<size_t>(kDrainChunk) *
                                        static_cast<size_t>(possible_cpus_));
  SchedStatsByCgroup out;
  // The batch cursor of a hash map is a bucket index; 8 bytes leave room for any key size.
  uint64_t in_batch = 0;
  uint64_t out_batch = 0;
  bool first = true;
  bpf_map_batch_opts batch_opts{};
  batch_opts.sz = sizeof(batch_opts);
  for (;;) {
    uint32_t count = kDrainChunk;
    const int ret =
        bpf_map_lookup_and_delete_batch(map_fd, first ? nullptr : &in_batch, &out_batch,
                                        keys.data(), values.data(), &count, &batch_opts);
    const int err = ret == 0 ? 0 : error_number(ret);
    if (err != 0 && err != ENOENT) {
      return Error::from_errno("draining the eBPF scheduling map", err);
    }
    for (uint32_t i = 0; i < count; ++i) {
      SchedStats& s = out[keys[i]];
      for (int cpu = 0; cpu < possible_cpus_; ++cpu) {
        add_record(s, values[static_cast<size_t>(i) * static_cast<size_t>(possible_cpus_) +
                             static_cast<size_t>(cpu)]);
      }
    }
    if (err == ENOENT) break;  // that was the last chunk
    in_batch = out_batch;
    first = false;
  }
  return out;
}

Result<CgroupId> cgroup_id_of(const std::string& cgroup_dir) {
  struct stat st {};
  if (::stat(cgroup_dir.c_str(), &st) != 0) {
    return Error::from_errno("cgroup id of " + cgroup_dir, errno);
  }
  if (!S_ISDIR(st.st_mode)) return Error{"cgroup id of " + cgroup_dir + ": not a directory", 0};
  return static_cast<CgroupId>(st.st_ino);
}

}  // namespace dwae::telemetry
