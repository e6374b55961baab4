// Workload discovery: turns the config's match rules into workloads, each with its cgroup
// directory per controller and its class. Recognises systemd units, libvirt/QEMU virtual
// machines (and their vCPU threads), Kubernetes pods by QoS class, and plain cgroup globs.
// Every call looks afresh, so workloads appear and disappear between calls without errors; a
// directory that cannot be listed (no descriptor left, no permission) fails the call instead.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dwae/common/result.h"
#include "dwae/config/config.h"
#include "dwae/hostfs/layout.h"
#include "dwae/hostfs/procfs.h"

namespace dwae::discovery {

enum class WorkloadKind { kCgroup, kService, kVm, kPod };
const char* to_string(WorkloadKind kind);  // cgroup, service, vm, pod

// A virtual CPU of a VM: the QEMU thread that runs it ("CPU 0/KVM" or "CPU 0/TCG").
struct VcpuThread {
  uint32_t index = 0;
  int32_t tid = 0;
  std::string cpu_cgroup_dir;  // the thread's cpu-controller cgroup directory
};

struct Workload {
  // Stable identity: "svc/<unit>", "vm/<domain>", "pod/<uid>", or for cgroup globs the
  // hierarchy path with the part matched by a leading "**/" removed.
  std::string name;
  std::string rule;        // name of the config rule that matched
  std::string class_name;  // the rule's class
  config::ClassKind class_kind = config::ClassKind::kBestEffort;
  WorkloadKind kind = WorkloadKind::kCgroup;
  std::string hierarchy_path;  // as seen in the first hierarchy that has it
  hostfs::CgroupDirs dirs;
  int32_t vmm_pid = 0;  // QEMU process for VMs
  std::vector<VcpuThread> vcpus;
  std::string k8s_qos;  // pods: guaranteed, burstable or besteffort
};

// A top-level cgroup (a direct child of a hierarchy's root), for `dwae inspect` without config.
struct TopLevelCgroup {
  std::string name;
  hostfs::CgroupDirs dirs;
};

// A QEMU process found in /proc.
struct QemuProcess {
  int32_t pid = 0;
  std::string vm_name;  // from -name guest=NAME or -name NAME; "qemu-<pid>" when absent
  std::vector<VcpuThread> vcpus;
};

class Discovery {
 public:
  Discovery(const hostfs::CgroupLayout& layout, hostfs::ProcFs procfs)
      : layout_(&layout), procfs_(std::move(procfs)) {}

  // Applies the rules in order; the first rule that claims a workload name wins. Fails, naming
  // the directory, when a cgroup directory exists but cannot be listed.
  Result<std::vector<Workload>> discover(const config::Config& config) const;
  std::vector<TopLevelCgroup> top_level() const;
  std::vector<QemuProcess> qemu_processes() const;

 private:
  const hostfs::CgroupLayout* layout_;
  hostfs::ProcFs procfs_;
};

// Name helpers, exposed for tests.
// "machine-qemu\x2d3\x2dweb\x2d1.scope" -> "web-1"; "web-1.libvirt-qemu" -> "web-1"; else "".
std::string libvirt_domain_from_scope(std::string_view dir_name);
// systemd's \xNN escapes decoded.
std::string systemd_unescape(std::string_view s);
// QEMU's -name argument: "guest=web,debug-threads=on" or "web" -> "web".
std::string qemu_vm_name(const std::vector<std::string>& argv);
// "CPU 3/KVM" or "CPU 3/TCG" -> 3; anything else -> nullopt.
std::optional<uint32_t> vcpu_index_from_thread_name(std::string_view comm);
// Kubernetes pod directories: "pod1234-ab" (cgroupfs driver) or
// "kubepods-burstable-pod1234_ab.slice" (systemd driver) -> "1234-ab"; else "".
std::string k8s_pod_uid(std::string_view dir_name);

}  // namespace dwae::discovery
