// SPDX-License-Identifier: GPL-2.0
/* Scheduling collector: per-cgroup run-queue delay ("CPU Ready Time") histogram, on-CPU time,
 * context switches, wakeups and migrations, aggregated in the kernel in a per-CPU hash keyed by
 * cgroup id. User space (dwae/telemetry/sched_collector.cpp) drains it with batch
 * lookup-and-delete. Record layout: sched_record.h. */
/* vmlinux.h must come first: the libbpf headers use its types. */
// clang-format off
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "records.h"
#include "common.bpf.h" /* attribution_mode, raw events, dwae_task_cgroup_id() */
// clang-format on

char LICENSE[] SEC("license") = "GPL";

/* Starts at all-zero; the template for a cgroup's first record on a CPU. */
const struct dwae_sched_record zero_record = {};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, DWAE_SCHED_MAX_CGROUPS);
  __type(key, __u64);
  __type(value, struct dwae_sched_record);
} sched_by_cgroup SEC(".maps");

/* When the task became runnable (woken, or preempted while still runnable); 0 = not waiting. */
struct task_wait {
  __u64 runnable_since_ns;
};

struct {
  __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, struct task_wait);
} task_waits SEC(".maps");

/* What runs on this CPU since when, so that on-CPU time can be credited at switch-out and by
 * the flush program without waiting for the next switch. since_ns = 0: idle or unknown. */
struct cpu_running {
  __u64 cgroup_id;
  __u64 since_ns;
  __u32 pid;
  __u32 pad;
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct cpu_running);
} running SEC(".maps");

/* Kernels before 5.14 call the field `state`. */
struct task_struct___pre_5_14 {
  long state;
} __attribute__((preserve_access_index));

static __always_inline long task_state(const struct task_struct* t) {
  if (bpf_core_field_exists(t->__state)) return BPF_CORE_READ(t, __state);
  return BPF_CORE_READ((const struct task_struct___pre_5_14*)t, state);
}

static __always_inline __u64 task_cgroup_id(const struct task_struct* t) {
  return dwae_task_cgroup_id(t, attribution_mode);
}

static __always_inline struct dwae_sched_record* record_for(__u64 cgroup_id) {
  struct dwae_sched_record* r = bpf_map_lookup_elem(&sched_by_cgroup, &cgroup_id);
  if (r) return r;
  /* Two CPUs may race to create the entry; NOEXIST keeps the first, both then find it. */
  bpf_map_update_elem(&sched_by_cgroup, &cgroup_id, &zero_record, BPF_NOEXIST);
  return bpf_map_lookup_elem(&sched_by_cgroup, &cgroup_id);
}

static __always_inline void on_wakeup(struct task_struct* p) {
  struct task_wait* w;
  struct dwae_sched_record* r;

  if (p->pid == 0) return;
  w = bpf_task_storage_get(&task_waits, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
  if (w) w->runnable_since_ns = bpf_ktime_get_ns();
  r = record_for(task_cgroup_id(p));
  if (r) r->wakeups++;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(dwae_sched_wakeup, struct task_struct* p) {
  on_wakeup(p);
  return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(dwae_sched_wakeup_new, struct task_struct* p) {
  on_wakeup(p);
  return 0;
}

SEC("tp_btf/sched_migrate_task")
int BPF_PROG(dwae_sched_migrate_task, struct task_struct* p, int dest_cpu) {
  struct dwae_sched_record* r;

  if (p->pid == 0) return 0;
  r = record_for(task_cgroup_id(p));
  if (r) r->migrations++;
  return 0;
}

/* On-CPU time goes to `prev` (its cgroup read from prev, not from `current`), the run-queue
 * delay to `next`. */
SEC("tp_btf/sched_switch")
int BPF_PROG(dwae_sched_switch, bool preempt, struct task_struct* prev, struct task_struct* next) {
  const __u64 now = bpf_ktime_get_ns();
  const __u32 zero = 0;
  struct cpu_running* cpu = bpf_map_lookup_elem(&running, &zero);
  struct dwae_sched_record* r;
  struct task_wait* w;

  if (!cpu) return 0;

  if (prev->pid != 0) {
    const bool still_runnable = task_state(prev) == 0; /* TASK_RUNNING: preempted */
    const __u64 prev_cgroup = task_cgroup_id(prev);
    __u64 slice = 0;
    if (cpu->since_ns != 0 && cpu->pid == prev->pid && now > cpu->since_ns)
      slice = now - cpu->since_ns;
    r = record_for(prev_cgroup);
    if (r) {
      r->on_cpu_ns += slice;
      r->switches++;
      if (still_runnable) r->involuntary_switches++;
    }
    dwae_raw_emit(DWAE_RAW_SWITCH_OUT, prev_cgroup, prev->pid, slice, still_runnable);
    if (still_runnable) {
      w = bpf_task_storage_get(&task_waits, prev, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
      if (w) w->runnable_since_ns = now;
    }
  }

  if (next->pid == 0) {
    cpu->since_ns = 0;
    cpu->pid = 0;
    cpu->cgroup_id = 0;
    return 0;
  }
  cpu->cgroup_id = task_cgroup_id(next);
  cpu->since_ns = now;
  cpu->pid = next->pid;

  w = bpf_task_storage_get(&task_waits, next, 0, 0);
  if (w && w->runnable_since_ns != 0) {
    const __u64 since = w->runnable_since_ns;
    w->runnable_since_ns = 0;
    if (now > since) {
      const __u64 delay = now - since;
      r = record_for(cpu->cgroup_id);
      if (r) {
        r->run_delay_count++;
        r->run_delay_ns += delay;
        r->run_delay_hist[dwae_sched_delay_bucket(delay)]++;
      }
      dwae_raw_emit(DWAE_RAW_RUN_DELAY, cpu->cgroup_id, next->pid, delay, 0);
    }
  }
  return 0;
}

/* Not attached: user space runs it on each CPU (BPF_PROG_TEST_RUN with BPF_F_TEST_RUN_ON_CPU)
 * before a drain, to credit the on-CPU time of the task running there now. Without it a task
 * that is never switched out (alone on its CPU) would show no on-CPU time at all. It runs in
 * the IPI with interrupts off, so it cannot interleave with sched_switch on that CPU. */
SEC("raw_tp")
int dwae_sched_flush_cpu(void* ctx) {
  const __u64 now = bpf_ktime_get_ns();
  const __u32 zero = 0;
  struct cpu_running* cpu = bpf_map_lookup_elem(&running, &zero);
  struct dwae_sched_record* r;

  if (!cpu || cpu->since_ns == 0 || now <= cpu->since_ns) return 0;
  r = record_for(cpu->cgroup_id);
  if (r) r->on_cpu_ns += now - cpu->since_ns;
  cpu->since_ns = now;
  return 0;
}
