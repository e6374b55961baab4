// SPDX-License-Identifier: GPL-2.0
/* Lifecycle collector: forks, execs and exits per cgroup (the workload hierarchy: v1 cpu on
 * hybrid hosts), and two host-wide counters of cgroup tree changes that tell the agent when to
 * discover again. Record layout: records.h. */
// clang-format off
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "records.h"
#include "common.bpf.h"
// clang-format on

char LICENSE[] SEC("license") = "GPL";

const struct dwae_lifecycle_record zero_lifecycle_record = {};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, DWAE_MAX_CGROUPS);
  __type(key, __u64);
  __type(value, struct dwae_lifecycle_record);
} lifecycle_by_cgroup SEC(".maps");

static __always_inline struct dwae_lifecycle_record* record_of(__u64 id) {
  return DWAE_RECORD_FOR(lifecycle_by_cgroup, zero_lifecycle_record, id);
}

/* The child starts in its parent's cgroups; charged to the parent. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(dwae_process_fork, struct task_struct* parent, struct task_struct* child) {
  const __u64 id = dwae_task_cgroup_id(parent, attribution_mode);
  struct dwae_lifecycle_record* r = record_of(id);
  if (r) r->forks++;
  dwae_raw_emit(DWAE_RAW_FORK, id, parent->tgid, 0, child->pid);
  return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(dwae_process_exec, struct task_struct* p, pid_t old_pid, struct linux_binprm* bprm) {
  const __u64 id = dwae_task_cgroup_id(p, attribution_mode);
  struct dwae_lifecycle_record* r = record_of(id);
  if (r) r->execs++;
  dwae_raw_emit(DWAE_RAW_EXEC, id, p->tgid, 0, 0);
  return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(dwae_process_exit, struct task_struct* p, bool group_dead) {
  const __u64 id = dwae_task_cgroup_id(p, attribution_mode);
  struct dwae_lifecycle_record* r = record_of(id);
  if (!r) return 0;
  r->thread_exits++;
  if (group_dead) r->process_exits++;
  dwae_raw_emit(DWAE_RAW_EXIT, id, p->tgid, group_dead, 0);
  return 0;
}

/* Cgroup directories made, removed or renamed in any hierarchy, and tasks moved between cgroups.
 * Read by user space through the memory-mapped .bss, without a system call. */
__u64 cgroup_changes = 0;
__u64 task_moves = 0;

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(dwae_cgroup_mkdir, struct cgroup* cgrp, const char* path) {
  __sync_fetch_and_add(&cgroup_changes, 1);
  return 0;
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(dwae_cgroup_rmdir, struct cgroup* cgrp, const char* path) {
  __sync_fetch_and_add(&cgroup_changes, 1);
  return 0;
}

SEC("tp_btf/cgroup_rename")
int BPF_PROG(dwae_cgroup_rename, struct cgroup* cgrp, const char* path) {
  __sync_fetch_and_add(&cgroup_changes, 1);
  return 0;
}

SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(dwae_cgroup_attach_task, struct cgroup* dst_cgrp, const char* path,
             struct task_struct* task, bool threadgroup) {
  __sync_fetch_and_add(&task_moves, 1);
  return 0;
}
