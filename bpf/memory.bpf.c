// SPDX-License-Identifier: GPL-2.0
/* Memory collector: user page faults, page allocations, direct and limit (memcg) reclaim with
 * their stall time, and OOM kills, aggregated per cgroup (v1 memory hierarchy on hybrid hosts)
 * in a per-CPU hash. Record layout: records.h. */
// clang-format off
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "records.h"
#include "common.bpf.h"
// clang-format on

char LICENSE[] SEC("license") = "GPL";

const struct dwae_memory_record zero_memory_record = {};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, DWAE_MAX_CGROUPS);
  __type(key, __u64);
  __type(value, struct dwae_memory_record);
} memory_by_cgroup SEC(".maps");

/* When the task entered reclaim; 0 = not reclaiming. */
struct reclaim_start {
  __u64 since_ns;
};

struct {
  __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, struct reclaim_start);
} reclaiming SEC(".maps");

static __always_inline struct dwae_memory_record* current_record(__u64* id) {
  *id = dwae_current_cgroup_id();
  return DWAE_RECORD_FOR(memory_by_cgroup, zero_memory_record, *id);
}

/* x86 only; user space switches it off where the tracepoint does not exist. */
SEC("tp_btf/page_fault_user")
int BPF_PROG(dwae_page_fault_user, unsigned long address, struct pt_regs* regs,
             unsigned long error_code) {
  __u64 id;
  struct dwae_memory_record* r = current_record(&id);
  if (r) r->user_faults++;
  dwae_raw_emit(DWAE_RAW_USER_FAULT, id, bpf_get_current_pid_tgid() >> 32, address, error_code);
  return 0;
}

/* Charged to the current task: the allocating one, except for allocations from interrupts. */
SEC("tp_btf/mm_page_alloc")
int BPF_PROG(dwae_mm_page_alloc, struct page* page, unsigned int order, gfp_t gfp,
             int migratetype) {
  __u64 id;
  struct dwae_memory_record* r;

  if (!page) return 0;
  r = current_record(&id);
  if (r) {
    r->page_allocations++;
    r->pages_allocated += 1ULL << (order & 31);
  }
  return 0;
}

static __always_inline void reclaim_begin(void) {
  struct task_struct* t = bpf_get_current_task_btf();
  struct reclaim_start* s = bpf_task_storage_get(&reclaiming, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
  if (s) s->since_ns = bpf_ktime_get_ns();
}

static __always_inline void reclaim_end(unsigned long nr_reclaimed, bool limit) {
  struct task_struct* t = bpf_get_current_task_btf();
  struct reclaim_start* s = bpf_task_storage_get(&reclaiming, t, 0, 0);
  struct dwae_memory_record* r;
  __u64 now, stall = 0, id;

  if (!s || s->since_ns == 0) return; /* began before we attached */
  now = bpf_ktime_get_ns();
  if (now > s->since_ns) stall = now - s->since_ns;
  s->since_ns = 0;
  r = current_record(&id);
  if (!r) return;
  if (limit)
    r->limit_reclaims++;
  else
    r->direct_reclaims++;
  r->reclaim_stall_ns += stall;
  r->pages_reclaimed += nr_reclaimed;
  r->reclaim_stall_hist[dwae_sched_delay_bucket(stall)]++;
  dwae_raw_emit(DWAE_RAW_RECLAIM, id, bpf_get_current_pid_tgid() >> 32, stall, nr_reclaimed);
}

SEC("tp_btf/mm_vmscan_direct_reclaim_begin")
int BPF_PROG(dwae_direct_reclaim_begin, int order, gfp_t gfp) {
  reclaim_begin();
  return 0;
}

SEC("tp_btf/mm_vmscan_direct_reclaim_end")
int BPF_PROG(dwae_direct_reclaim_end, unsigned long nr_reclaimed) {
  reclaim_end(nr_reclaimed, false);
  return 0;
}

SEC("tp_btf/mm_vmscan_memcg_reclaim_begin")
int BPF_PROG(dwae_limit_reclaim_begin, int order, gfp_t gfp) {
  reclaim_begin();
  return 0;
}

SEC("tp_btf/mm_vmscan_memcg_reclaim_end")
int BPF_PROG(dwae_limit_reclaim_end, unsigned long nr_reclaimed) {
  reclaim_end(nr_reclaimed, true);
  return 0;
}

/* The victim, not the current task (the OOM killer may run in another task's context). */
SEC("tp_btf/mark_victim")
int BPF_PROG(dwae_mark_victim, struct task_struct* victim) {
  const __u64 id = dwae_task_cgroup_id(victim, attribution_mode);
  struct dwae_memory_record* r = DWAE_RECORD_FOR(memory_by_cgroup, zero_memory_record, id);
  if (r) r->oom_kills++;
  dwae_raw_emit(DWAE_RAW_OOM_KILL, id, BPF_CORE_READ(victim, tgid), 0, 0);
  return 0;
}
