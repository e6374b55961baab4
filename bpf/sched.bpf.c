// SPDX-License-Identifier: GPL-2.0
/* Scheduling collector: per-cgroup run-queue delay ("CPU Ready Time") histogram, on-CPU time,
 * context switches, wakeups and migrations, aggregated in the kernel. User space
 * (dwae/telemetry/sched_collector.cpp) drains it once per tick. Record layout: sched_record.h.
 *
 * These programs run on every context switch and wakeup, so the common path is kept to a few
 * loads and stores and no helper call: no clock read (the kernel's own run-queue clock and
 * per-task counters give the times), no hash lookup (a cgroup's records sit at a small slot in
 * a per-CPU array), and no walk to the cgroup on the common path: each CPU keeps a small
 * direct-mapped cache css_set -> (cgroup id, slot), emptied at every drain. The css_set pointer
 * (task->cgroups) is shared by every task with the same cgroups and changes whenever a task
 * moves in any hierarchy, so it is a sound key. */
/* vmlinux.h must come first: the libbpf headers use its types. */
// clang-format off
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "records.h"
#include "common.bpf.h" /* attribution_mode, raw events */
// clang-format on

char LICENSE[] SEC("license") = "GPL";

/* Credit the running task's on-CPU time when user space runs dwae_sched_flush_cpu. */
const volatile bool credit_on_flush = true;

/* Which half of sched_by_slot the programs write (0 or 1). User space flips it at each drain
 * and then runs dwae_sched_flush_cpu on every CPU, which waits for the programs that still
 * write the old half: they run with interrupts off (under the run-queue or pi lock), so once
 * the flush has run on a CPU, nothing there writes the old half any more. */
volatile __u32 active_half = 0;

/* Starts at all-zero; the template for a cgroup's first overflow record on a CPU. */
const struct dwae_sched_record zero_record = {};

/* The records of cgroups with a slot: index half * DWAE_SCHED_SLOTS + slot. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 2 * DWAE_SCHED_SLOTS);
  __type(key, __u32);
  __type(value, struct dwae_sched_record);
} sched_by_slot SEC(".maps");

/* Cgroup id -> slot, written by user space (a cgroup gets a slot at the first drain that sees
 * it in the overflow hash): entry (id & (DWAE_SCHED_SLOT_TABLE - 1)) or the one after it holds
 * {id, slot}. Entries only go from empty to filled, so a torn read finds no match or slot 0:
 * the overflow path, still counted. */
struct slot_entry {
  __u64 cgroup_id;
  __u32 slot;
  __u32 pad;
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, DWAE_SCHED_SLOT_TABLE);
  __type(key, __u32);
  __type(value, struct slot_entry);
} slot_table SEC(".maps");

/* Records of cgroups without a slot yet (or when every slot is taken), drained with batch
 * lookup-and-delete. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, DWAE_SCHED_MAX_CGROUPS);
  __type(key, __u64);
  __type(value, struct dwae_sched_record);
} sched_by_cgroup SEC(".maps");

/* What runs on this CPU, so that on-CPU time can be credited at switch-out and by the flush
 * program without looking the task up again. pid = 0: idle or unknown. */
struct cpu_running {
  __u64 cgroup_id;
  __u64 runtime_at_start_ns; /* the task's se.sum_exec_runtime when it was switched in */
  __u32 pid;
  __u32 slot;
  __u64 scratch; /* turns a pointer into a number (the verifier forbids shifting pointers) */
};

/* Per CPU: css_set -> attribution, valid for the generation it was filled in. User space bumps
 * `generation` at every drain (after handing out slots), so an entry lives one drain interval at
 * most: a new slot is picked up at once, and a css_set freed and reallocated for other cgroups
 * can be misread for that long only. */
struct cset_attribution {
  __u64 css_set;
  __u64 cgroup_id;
  __u32 slot;
  __u32 generation;
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, DWAE_SCHED_CSET_CACHE);
  __type(key, __u32);
  __type(value, struct cset_attribution);
} cset_cache SEC(".maps");

volatile __u32 generation = 0; /* entries start empty: css_set 0 matches no task */

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
  if (bpf_core_field_exists(t->__state)) return t->__state;
  return ((const struct task_struct___pre_5_14*)t)->state;
}

/* dwae_task_cgroup_id() with direct (BTF) loads instead of probe-read helper calls: the task
 * pointers of tp_btf programs are trusted. */
static __always_inline __u64 cgroup_id_of_cset(struct css_set* cset) {
  struct cgroup_subsys_state* css;
  int subsys = -1;

  if (!cset) return 0;
  if (attribution_mode == DWAE_ATTR_V1_CPU) {
    if (bpf_core_enum_value_exists(enum cgroup_subsys_id, cpu_cgrp_id))
      subsys = bpf_core_enum_value(enum cgroup_subsys_id, cpu_cgrp_id);
  } else if (attribution_mode == DWAE_ATTR_V1_MEMORY) {
    if (bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
      subsys = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
  } else if (attribution_mode == DWAE_ATTR_V1_BLKIO) {
    if (bpf_core_enum_value_exists(enum cgroup_subsys_id, io_cgrp_id))
      subsys = bpf_core_enum_value(enum cgroup_subsys_id, io_cgrp_id);
  } else {
    return cset->dfl_cgrp->kn->id;
  }
  if (subsys < 0 || subsys >= 64) return 0;
  css = cset->subsys[subsys];
  if (!css) return 0;
  return css->cgroup->kn->id;
}

/* The slot of a cgroup id, 0 if it has none. */
static __always_inline __u32 slot_of(__u64 cgroup_id) {
  __u32 i = (__u32)cgroup_id & (DWAE_SCHED_SLOT_TABLE - 1);
  struct slot_entry* e = bpf_map_lookup_elem(&slot_table, &i);

  if (e && e->cgroup_id == cgroup_id) return e->slot < DWAE_SCHED_SLOTS ? e->slot : 0;
  i = (i + 1) & (DWAE_SCHED_SLOT_TABLE - 1);
  e = bpf_map_lookup_elem(&slot_table, &i);
  if (e && e->cgroup_id == cgroup_id) return e->slot < DWAE_SCHED_SLOTS ? e->slot : 0;
  return 0;
}

/* The clock of the run queue `next` is being switched in on (rq_clock(), updated at the start of
 * __schedule), reached through the task's CFS run queue, which set_task_cpu() points at this
 * CPU's for tasks of every class. Without group scheduling there is no such link: 0. */
static __always_inline __u64 run_queue_clock(struct task_struct* next) {
  struct cfs_rq* cfs_rq = NULL;

  if (!bpf_core_field_exists(next->se.cfs_rq) || !bpf_core_field_exists(cfs_rq->rq)) return 0;
  cfs_rq = next->se.cfs_rq;
  if (!cfs_rq) return 0;
  return cfs_rq->rq->clock;
}

/* The record this CPU writes for a cgroup: its slot in the active half, else the overflow
 * hash. */
/* The attribution of task t: from this CPU's cache, else from the walk to its cgroup. */
static __always_inline void attribute(struct task_struct* t, struct cpu_running* cpu,
                                      __u64* cgroup_id, __u32* slot) {
  struct css_set* cset = t->cgroups;
  const __u32 gen = generation;
  struct cset_attribution* e;
  __u64 key;
  __u32 i;

  cpu->scratch = (__u64)cset;
  key = *(volatile __u64*)&cpu->scratch; /* read back as a number, not the pointer */
  i = (__u32)((key >> 6) ^ (key >> 14)) & (DWAE_SCHED_CSET_CACHE - 1);
  e = bpf_map_lookup_elem(&cset_cache, &i);
  if (e && e->css_set == key && e->generation == gen) { /* the common path */
    *cgroup_id = e->cgroup_id;
    *slot = e->slot;
    return;
  }
  *cgroup_id = cgroup_id_of_cset(cset);
  *slot = slot_of(*cgroup_id);
  if (e) {
    e->css_set = key;
    e->cgroup_id = *cgroup_id;
    e->slot = *slot;
    e->generation = gen;
  }
}

static __always_inline struct dwae_sched_record* record_of(__u32 slot, __u64 cgroup_id) {
  if (slot != 0) {
    __u32 key = (active_half & 1) * DWAE_SCHED_SLOTS + slot;
    return bpf_map_lookup_elem(&sched_by_slot, &key);
  }
  return DWAE_RECORD_FOR(sched_by_cgroup, zero_record, cgroup_id);
}

static __always_inline void on_wakeup(struct task_struct* p) {
  const __u32 zero = 0;
  struct cpu_running* cpu = bpf_map_lookup_elem(&running, &zero);
  struct dwae_sched_record* r;
  __u64 id;
  __u32 slot;

  if (!cpu || p->pid == 0) return;
  attribute(p, cpu, &id, &slot);
  r = record_of(slot, id);
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
  const __u32 zero = 0;
  struct cpu_running* cpu = bpf_map_lookup_elem(&running, &zero);
  struct dwae_sched_record* r;
  __u64 id;
  __u32 slot;

  if (!cpu || p->pid == 0) return 0;
  attribute(p, cpu, &id, &slot);
  r = record_of(slot, id);
  if (r) r->migrations++;
  return 0;
}

/* On-CPU time goes to `prev` (its cgroup as of when it was switched in), the run-queue delay to
 * `next`. Times are the kernel's: on-CPU time from se.sum_exec_runtime (what cpuacct counts,
 * brought up to date just before this tracepoint), the wait from sched_info.last_queued (set
 * when the task was woken or preempted onto this run queue, consumed right after this
 * tracepoint) against the run queue's clock. A task moved to another CPU while waiting is timed
 * from when it was queued on the CPU it runs on; a wait that ended at the same run-queue clock
 * reading it began (a wakeup that preempted the running task) counts as 0, as in schedstat. */
SEC("tp_btf/sched_switch")
int BPF_PROG(dwae_sched_switch, bool preempt, struct task_struct* prev, struct task_struct* next) {
  const __u32 zero = 0;
  struct cpu_running* cpu = bpf_map_lookup_elem(&running, &zero);
  struct dwae_sched_record* r;

  if (!cpu) return 0;

  if (prev->pid != 0) {
    const bool still_runnable = task_state(prev) == 0; /* TASK_RUNNING: preempted */
    __u64 slice = 0;
    __u64 prev_cgroup;
    __u32 prev_slot;
    if (cpu->pid == prev->pid) {
      const __u64 runtime = prev->se.sum_exec_runtime;
      prev_cgroup = cpu->cgroup_id;
      prev_slot = cpu->slot;
      if (runtime > cpu->runtime_at_start_ns) slice = runtime - cpu->runtime_at_start_ns;
    } else { /* switched in before the collector was loaded */
      attribute(prev, cpu, &prev_cgroup, &prev_slot);
    }
    r = record_of(prev_slot, prev_cgroup);
    if (r) {
      r->on_cpu_ns += slice;
      r->switches++;
      if (still_runnable) r->involuntary_switches++;
    }
    dwae_raw_emit(DWAE_RAW_SWITCH_OUT, prev_cgroup, prev->pid, slice, still_runnable);
  }

  if (next->pid == 0) {
    cpu->pid = 0;
    return 0;
  }
  {
    __u64 id;
    __u32 slot;
    attribute(next, cpu, &id, &slot);
    cpu->cgroup_id = id;
    cpu->slot = slot;
  }
  cpu->runtime_at_start_ns = next->se.sum_exec_runtime;
  cpu->pid = next->pid;

  {
    const __u64 queued = next->sched_info.last_queued;
    if (queued != 0) {
      const __u64 now = run_queue_clock(next);
      /* Equal when the wakeup preempted the running task: __schedule then skips the clock
       * update (rq_clock_skip_update), and the kernel's own run_delay adds 0 too. */
      if (now >= queued && now != 0) {
        const __u64 delay = now - queued;
        r = record_of(cpu->slot, cpu->cgroup_id);
        if (r) {
          r->run_delay_count++;
          r->run_delay_ns += delay;
          r->run_delay_hist[dwae_sched_delay_bucket(delay)]++;
        }
        dwae_raw_emit(DWAE_RAW_RUN_DELAY, cpu->cgroup_id, next->pid, delay, 0);
      }
    }
  }
  return 0;
}

/* Not attached: user space runs it on each CPU (BPF_PROG_TEST_RUN with BPF_F_TEST_RUN_ON_CPU)
 * at every drain, after flipping active_half. Running it is the barrier that ends the writes
 * to the old half on that CPU (see active_half). It also credits the on-CPU time of the task
 * running there now, into the old half, so that a task never switched out (alone on its CPU)
 * shows its time; se.sum_exec_runtime is as of the last tick or scheduling event there. */
SEC("raw_tp")
int dwae_sched_flush_cpu(void* ctx) {
  const __u32 zero = 0;
  struct cpu_running* cpu = bpf_map_lookup_elem(&running, &zero);
  struct task_struct* task = bpf_get_current_task_btf();
  struct dwae_sched_record* r;
  __u64 runtime;

  if (!credit_on_flush || !cpu || cpu->pid == 0 || task->pid != cpu->pid) return 0;
  runtime = task->se.sum_exec_runtime;
  if (runtime <= cpu->runtime_at_start_ns) return 0;
  if (cpu->slot != 0) {
    __u32 key = ((active_half & 1) ^ 1) * DWAE_SCHED_SLOTS + cpu->slot;
    r = bpf_map_lookup_elem(&sched_by_slot, &key);
  } else {
    r = DWAE_RECORD_FOR(sched_by_cgroup, zero_record, cpu->cgroup_id);
  }
  if (r) r->on_cpu_ns += runtime - cpu->runtime_at_start_ns;
  cpu->runtime_at_start_ns = runtime;
  return 0;
}
