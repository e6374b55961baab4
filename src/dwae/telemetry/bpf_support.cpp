// Shared plumbing of the eBPF collectors: missing tracepoints, batch drain of per-CPU hashes.
#include "dwae/telemetry/bpf_support.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include <cstring>
#include <string_view>

// clang-format off
#include "records.h"
// clang-format on

namespace dwae::telemetry::detail {
namespace {

// Entries per batch call; a hash bucket never holds this many, so ENOSPC does not occur.
constexpr uint32_t kDrainChunk = 256;

}  // namespace

int attribution_value(CgroupAttribution a) {
  switch (a) {
    case CgroupAttribution::kUnified:
      return DWAE_ATTR_V2;
    case CgroupAttribution::kV1Cpu:
      return DWAE_ATTR_V1_CPU;
    case CgroupAttribution::kV1Memory:
      return DWAE_ATTR_V1_MEMORY;
    case CgroupAttribution::kV1Blkio:
      return DWAE_ATTR_V1_BLKIO;
  }
  return DWAE_ATTR_V2;
}

Result<std::vector<std::string>> disable_missing_tracepoints(bpf_object* obj,
                                                             const std::string& kernel_btf_path) {
  btf* vmlinux = btf__parse(kernel_btf_path.c_str(), nullptr);
  if (vmlinux == nullptr) {
    return Error::from_errno("reading kernel BTF " + kernel_btf_path, errno != 0 ? errno : EINVAL);
  }
  std::vector<std::string> missing;
  bpf_program* prog = nullptr;
  while ((prog = bpf_object__next_program(obj, prog)) != nullptr) {
    const std::string_view section = bpf_program__section_name(prog);
    constexpr std::string_view kPrefix = "tp_btf/";
    if (section.substr(0, kPrefix.size()) != kPrefix) continue;
    const std::string name(section.substr(kPrefix.size()));
    if (btf__find_by_name_kind(vmlinux, ("btf_trace_" + name).c_str(), BTF_KIND_TYPEDEF) < 0) {
      bpf_program__set_autoload(prog, false);
      missing.push_back(name);
    }
  }
  btf__free(vmlinux);
  return missing;
}

Status drain_percpu_hash(int map_fd, int possible_cpus, size_t value_size,
                         const std::function<void(CgroupId, const std::byte*)>& add) {
  std::vector<CgroupId> keys(kDrainChunk);
  std::vector<std::byte> values(static_cast<size_t>(kDrainChunk) *
                                static_cast<size_t>(possible_cpus) * value_size);
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
    if (err != 0 && err != ENOENT) return Error::from_errno("draining an eBPF map", err);
    for (uint32_t i = 0; i < count; ++i) {
      add(keys[i],
          values.data() + static_cast<size_t>(i) * static_cast<size_t>(possible_cpus) * value_size);
    }
    if (err == ENOENT) break;  // that was the last chunk
    in_batch = out_batch;
    first = false;
  }
  return Status::success();
}

}  // namespace dwae::telemetry::detail
