// SchedCollector: loads bpf/sched.bpf.c through its generated skeleton and drains its per-CPU
// records: the double-buffered slot array and the overflow hash.
#include "dwae/telemetry/sched_collector.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/stat.h>

#include <algorithm>
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

constexpr uint32_t kSlots = DWAE_SCHED_SLOTS;
constexpr uint32_t kSlotTable = DWAE_SCHED_SLOT_TABLE;
static_assert((kSlotTable & (kSlotTable - 1)) == 0, "the slot table is indexed by low bits");

// bpf/sched.bpf.c struct slot_entry.
struct SlotEntry {
  uint64_t cgroup_id;
  uint32_t slot;
  uint32_t pad;
};

bool is_zero(const std::byte* p, size_t n) {
  return std::all_of(p, p + n, [](std::byte b) { return b == std::byte{0}; });
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

  const detail::SkeletonFns<sched_bpf> fns{sched_bpf__open_opts, sched_bpf__load, sched_bpf__attach,
                                           sched_bpf__destroy};
  const CollectorOptions collector_options{options.attribution, options.kernel_btf_path,
                                           options.raw};
  std::vector<std::string> missing;
  auto skel = detail::open_collector<sched_bpf>(
      fns, "scheduling", collector_options, missing,
      [credit = options.credit_running_tasks](sched_bpf* s) {
        // Run by drain() on every CPU.
        bpf_program__set_autoattach(s->progs.dwae_sched_flush_cpu, false);
        s->rodata->credit_on_flush = credit;
      });
  if (!skel) return skel.error();
  return SchedCollector(skel->release(), options.attribution, cpus);
}

SchedCollector::SchedCollector(sched_bpf* skel, CgroupAttribution attribution, int cpus)
    : skel_(skel), attribution_(attribution), possible_cpus_(cpus) {}

SchedCollector::SchedCollector(SchedCollector&& other) noexcept
    : skel_(std::exchange(other.skel_, nullptr)),
      attribution_(other.attribution_),
      possible_cpus_(other.possible_cpus_),
      slot_cgroups_(std::move(other.slot_cgroups_)),
      slot_of_(std::move(other.slot_of_)),
      table_taken_(std::move(other.table_taken_)) {}

SchedCollector& SchedCollector::operator=(SchedCollector&& other) noexcept {
  if (this != &other) {
    if (skel_ != nullptr) sched_bpf__destroy(skel_);
    skel_ = std::exchange(other.skel_, nullptr);
    attribution_ = other.attribution_;
    possible_cpus_ = other.possible_cpus_;
    slot_cgroups_ = std::move(other.slot_cgroups_);
    slot_of_ = std::move(other.slot_of_);
    table_taken_ = std::move(other.table_taken_);
  }
  return *this;
}

SchedCollector::~SchedCollector() {
  if (skel_ != nullptr) sched_bpf__destroy(skel_);
}

Status SchedCollector::switch_halves() {
  __atomic_xor_fetch(&skel_->bss->active_half, 1U, __ATOMIC_SEQ_CST);
  const int prog_fd = bpf_program__fd(skel_->progs.dwae_sched_flush_cpu);
  for (int cpu = 0; cpu < possible_cpus_; ++cpu) {
    bpf_test_run_opts run_opts{};
    run_opts.sz = sizeof(run_opts);
    run_opts.flags = BPF_F_TEST_RUN_ON_CPU;
    run_opts.cpu = static_cast<__u32>(cpu);
    const int err = bpf_prog_test_run_opts(prog_fd, &run_opts);
    // An offline CPU runs no programs: nothing to wait for or credit there.
    if (err != 0 && error_number(err) != ENXIO) {
      return Error::from_errno("switching record halves on CPU " + std::to_string(cpu),
                               error_number(err));
    }
  }
  return Status::success();
}

Status SchedCollector::drain_slots(uint32_t half, SchedStatsByCgroup& out) {
  const auto used = static_cast<uint32_t>(slot_cgroups_.size());
  if (used <= 1) return Status::success();
  const size_t per_key = static_cast<size_t>(possible_cpus_) * sizeof(dwae_sched_record);
  slot_keys_.resize(used);
  slot_values_.resize(used * per_key);
  const int fd = bpf_map__fd(skel_->maps.sched_by_slot);
  // An array's batch cursor is the key before the first one returned.
  uint32_t before_first = half * kSlots - 1;
  uint32_t out_batch = 0;
  uint32_t count = used;
  bpf_map_batch_opts batch_opts{};
  batch_opts.sz = sizeof(batch_opts);
  if (const int ret = bpf_map_lookup_batch(
          fd, half == 0 ? nullptr : static_cast<void*>(&before_first), &out_batch,
          slot_keys_.data(), slot_values_.data(), &count, &batch_opts);
      ret != 0 && error_number(ret) != ENOENT) {
    return Error::from_errno("reading the eBPF scheduling records", error_number(ret));
  }
  // Zero what had counts, in place, so that the half starts empty when it is written again.
  uint32_t written = 0;
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t slot = slot_keys_[i] - half * kSlots;
    const std::byte* values = slot_values_.data() + i * per_key;
    if (slot == 0 || slot >= used || is_zero(values, per_key)) continue;
    SchedStats& stats = out[slot_cgroups_[slot]];
    for (int cpu = 0; cpu < possible_cpus_; ++cpu) {
      dwae_sched_record r;
      std::memcpy(&r, values + static_cast<size_t>(cpu) * sizeof(r), sizeof(r));
      add_record(stats, r);
    }
    slot_keys_[written++] = slot_keys_[i];
  }
  if (written == 0) return Status::success();
  std::fill_n(slot_values_.begin(), written * per_key, std::byte{0});
  if (const int ret =
          bpf_map_update_batch(fd, slot_keys_.data(), slot_values_.data(), &written, &batch_opts);
      ret != 0) {
    return Error::from_errno("clearing the eBPF scheduling records", error_number(ret));
  }
  return Status::success();
}

void SchedCollector::give_slot(CgroupId id) {
  if (slot_cgroups_.size() >= kSlots || slot_of_.count(id) != 0) return;
  if (table_taken_.empty()) table_taken_.assign(kSlotTable, false);
  // The kernel looks at entry (id mod table size) and the one after it; with both taken the
  // cgroup stays on the overflow hash: still counted, one hash lookup slower.
  const auto first = static_cast<uint32_t>(id & (kSlotTable - 1));
  for (const uint32_t index : {first, (first + 1) & (kSlotTable - 1)}) {
    if (table_taken_[index]) continue;
    const auto slot = static_cast<uint32_t>(slot_cgroups_.size());
    const SlotEntry entry{id, slot, 0};
    if (bpf_map__update_elem(skel_->maps.slot_table, &index, sizeof(index), &entry, sizeof(entry),
                             BPF_ANY) != 0) {
      return;
    }
    table_taken_[index] = true;
    slot_cgroups_.push_back(id);
    slot_of_.emplace(id, slot);
    return;
  }
}

Result<SchedStatsByCgroup> SchedCollector::drain() {
  const uint32_t old_half = __atomic_load_n(&skel_->bss->active_half, __ATOMIC_SEQ_CST) & 1U;
  if (Status s = switch_halves(); !s) return s.error();
  SchedStatsByCgroup out;
  if (Status s = drain_slots(old_half, out); !s) return s.error();
  const int cpus = possible_cpus_;
  std::vector<CgroupId> without_slot;
  const Status s = detail::drain_percpu_hash(
      bpf_map__fd(skel_->maps.sched_by_cgroup), cpus, sizeof(dwae_sched_record),
      [&](CgroupId id, const std::byte* values) {
        SchedStats& stats = out[id];
        for (int cpu = 0; cpu < cpus; ++cpu) {
          dwae_sched_record r;
          std::memcpy(&r, values + static_cast<size_t>(cpu) * sizeof(r), sizeof(r));
          add_record(stats, r);
        }
        without_slot.push_back(id);
      });
  if (!s)
    return Error{"draining the eBPF scheduling map: " + s.error().message, s.error().errno_value};
  for (const CgroupId id : without_slot) give_slot(id);
  // Empties every CPU's css_set cache: new slots are used from now on, and a css_set freed and
  // reused for other cgroups cannot be misread for longer than one interval.
  __atomic_add_fetch(&skel_->bss->generation, 1U, __ATOMIC_SEQ_CST);
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
