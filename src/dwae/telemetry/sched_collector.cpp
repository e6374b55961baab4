// SchedCollector: loads bpf/sched.bpf.c through its generated skeleton and drains its per-CPU
// map of per-cgroup records.
#include "dwae/telemetry/sched_collector.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "dwae/telemetry/bpf_support.h"
#include "dwae/telemetry/collectors.h"

// clang-format off
#include "records.h"
#include "sched.skel.h"  // after records.h: the skeleton uses its types
// clang-format on

namespace dwae::telemetry {
namespace {

static_assert(DWAE_SCHED_HIST_BUCKETS == Log2Histogram::kBuckets,
              "the BPF histogram and Log2Histogram must have the same buckets");
// Batch calls lay per-CPU values out at 8-byte strides.
static_assert(sizeof(dwae_sched_record) % 8 == 0);

using detail::error_number;

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

  const detail::SkeletonFns<sched_bpf> fns{sched_bpf__open_opts, sched_bpf__load, sched_bpf__attach,
                                           sched_bpf__destroy};
  const CollectorOptions collector_options{options.attribution, options.kernel_btf_path,
                                           options.raw};
  std::vector<std::string> missing;
  auto skel = detail::open_collector<sched_bpf>(
      fns, "scheduling", collector_options, missing, [](sched_bpf* s) {
        // Run on demand by credit_running_tasks().
        bpf_program__set_autoattach(s->progs.dwae_sched_flush_cpu, false);
      });
  if (!skel) return skel.error();
  return SchedCollector(skel->release(), options.attribution, options.credit_running_tasks, cpus);
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
  SchedStatsByCgroup out;
  const int cpus = possible_cpus_;
  const Status s = detail::drain_percpu_hash(
      bpf_map__fd(skel_->maps.sched_by_cgroup), cpus, sizeof(dwae_sched_record),
      [&](CgroupId id, const std::byte* values) {
        SchedStats& stats = out[id];
        for (int cpu = 0; cpu < cpus; ++cpu) {
          dwae_sched_record r;
          std::memcpy(&r, values + static_cast<size_t>(cpu) * sizeof(r), sizeof(r));
          add_record(stats, r);
        }
      });
  if (!s)
    return Error{"draining the eBPF scheduling map: " + s.error().message, s.error().errno_value};
  return out;
}

const char* to_string(CgroupAttribution a) {
  switch (a) {
    case CgroupAttribution::kUnified:
      return "unified";
    case CgroupAttribution::kV1Cpu:
      return "v1-cpu";
    case CgroupAttribution::kV1Memory:
      return "v1-memory";
    case CgroupAttribution::kV1Blkio:
      return "v1-blkio";
  }
  return "unknown";
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
