// Shared plumbing of the eBPF collectors (implementation only, not part of the module's
// contract): the open -> set options -> load -> attach sequence of a generated skeleton,
// switching off programs whose tracepoint the running kernel lacks, and the batch drain of a
// per-CPU hash keyed by cgroup id.
#pragma once

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dwae/common/result.h"
#include "dwae/telemetry/collectors.h"

namespace dwae::telemetry::detail {

// libbpf 1.x returns -errno (and sets errno).
inline int error_number(int ret) {
  return ret < 0 ? -ret : (errno != 0 ? errno : EINVAL);
}

// The value of enum dwae_attribution for a mode.
int attribution_value(CgroupAttribution a);

// Switches autoload off for every tp_btf program whose tracepoint the kernel BTF at
// `kernel_btf_path` does not have (e.g. page_fault_user outside x86); returns their names.
Result<std::vector<std::string>> disable_missing_tracepoints(bpf_object* obj,
                                                             const std::string& kernel_btf_path);

// Calls add(cgroup id, values of every possible CPU, value_size apart) for each entry of a
// per-CPU hash, deleting what it read in the same call (bpf_map_lookup_and_delete_batch).
Status drain_percpu_hash(int map_fd, int possible_cpus, size_t value_size,
                         const std::function<void(CgroupId, const std::byte*)>& add);

// Generated skeleton functions of one BPF object.
template <typename Skel>
struct SkeletonFns {
  Skel* (*open)(const bpf_object_open_opts*);
  int (*load)(Skel*);
  int (*attach)(Skel*);
  void (*destroy)(Skel*);
};

template <typename Skel>
using SkeletonPtr = std::unique_ptr<Skel, void (*)(Skel*)>;

// Opens, configures (attribution, raw events), loads and attaches one collector object. Every
// object has the globals attribution_mode and raw_sample_every and the maps raw_events and
// raw_counters (bpf/common.bpf.h), so one template serves all. `before_load` may adjust the
// object further (e.g. switch off auto-attach of a program attached by hand).
template <typename Skel>
Result<SkeletonPtr<Skel>> open_collector(const SkeletonFns<Skel>& fns, const std::string& what,
                                         const CollectorOptions& options,
                                         std::vector<std::string>& missing_events,
                                         const std::function<void(Skel*)>& before_load = {}) {
  bpf_object_open_opts open_opts{};
  open_opts.sz = sizeof(open_opts);
  open_opts.btf_custom_path = options.kernel_btf_path.c_str();  // read during open only
  SkeletonPtr<Skel> skel(fns.open(&open_opts), fns.destroy);
  if (!skel)
    return Error::from_errno("opening the eBPF " + what + " collector",
                             errno != 0 ? errno : EINVAL);
  auto missing = disable_missing_tracepoints(skel->obj, options.kernel_btf_path);
  if (!missing) return missing.error();
  missing_events = std::move(missing).value();
  skel->rodata->attribution_mode = attribution_value(options.attribution);
  if (options.raw != nullptr) {
    skel->rodata->raw_sample_every = options.raw->sample_every();
    if (const int err = bpf_map__reuse_fd(skel->maps.raw_events, options.raw->ring_fd());
        err != 0) {
      return Error::from_errno("sharing the raw-event ring with the " + what + " collector",
                               error_number(err));
    }
    if (const int err = bpf_map__reuse_fd(skel->maps.raw_counters, options.raw->counters_fd());
        err != 0) {
      return Error::from_errno("sharing the raw-event counters with the " + what + " collector",
                               error_number(err));
    }
  }
  if (before_load) before_load(skel.get());
  if (const int err = fns.load(skel.get()); err != 0) {
    return Error::from_errno("loading the eBPF " + what +
                                 " collector (needs CAP_BPF and CAP_PERFMON, or root; libbpf "
                                 "printed the verifier log, if any, to stderr)",
                             error_number(err));
  }
  if (const int err = fns.attach(skel.get()); err != 0) {
    return Error::from_errno("attaching the eBPF " + what + " collector", error_number(err));
  }
  return skel;
}

}  // namespace dwae::telemetry::detail
