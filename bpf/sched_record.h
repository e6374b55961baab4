/* Record layout of the scheduling collector, shared by sched.bpf.c (kernel) and
 * dwae/telemetry (user space): plain C types only, no kernel or libc headers beyond __u64. */
#ifndef DWAE_BPF_SCHED_RECORD_H
#define DWAE_BPF_SCHED_RECORD_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Same bucket definition as dwae::Log2Histogram: bucket i counts delays v (ns) with
 * 2^i <= v < 2^(i+1); bucket 0 also holds v < 2; the last bucket holds everything larger. */
#define DWAE_SCHED_HIST_BUCKETS 40

/* The bucket of a delay: Log2Histogram::bucket_of, without __builtin_clzll (clang 14 crashes
 * compiling it for BPF). Shared so that a user-space test can hold it against bucket_of. */
static inline __u32 dwae_sched_delay_bucket(__u64 v) {
  __u32 b = 0;
  if (v >= (1ULL << 32)) {
    v >>= 32;
    b += 32;
  }
  if (v >= (1ULL << 16)) {
    v >>= 16;
    b += 16;
  }
  if (v >= (1ULL << 8)) {
    v >>= 8;
    b += 8;
  }
  if (v >= (1ULL << 4)) {
    v >>= 4;
    b += 4;
  }
  if (v >= (1ULL << 2)) {
    v >>= 2;
    b += 2;
  }
  if (v >= (1ULL << 1)) b += 1;
  return b < DWAE_SCHED_HIST_BUCKETS ? b : DWAE_SCHED_HIST_BUCKETS - 1;
}

/* Capacity of the per-CPU overflow hash: cgroups without a slot with activity between two
 * drains. */
#define DWAE_SCHED_MAX_CGROUPS 10240

/* Cgroups with a slot of their own in the per-CPU record array (slot 0 means "none": such a
 * cgroup's events go to the overflow hash until user space gives it a slot at a drain). The
 * array holds two halves of this many records, one written while the other is drained. */
#define DWAE_SCHED_SLOTS 1024
/* Entries of the direct-mapped cgroup id -> slot table (a power of two, 4 x the slots, so
 * that a cgroup rarely finds both of its two candidate entries taken). */
#define DWAE_SCHED_SLOT_TABLE 4096
/* Entries of each CPU's css_set -> attribution cache (a power of two). */
#define DWAE_SCHED_CSET_CACHE 256

/* Which cgroup a task is attributed to (the `attribution_mode` global, set before load). */
enum dwae_sched_attribution {
  /* v2 (unified) cgroup: task->cgroups->dfl_cgrp->kn->id, the inode of its v2 directory. */
  DWAE_SCHED_ATTR_V2 = 0,
  /* v1 cpu controller cgroup: task->cgroups->subsys[cpu_cgrp_id]->cgroup->kn->id, the inode
   * of its directory under the v1 cpu mount (hybrid hosts, where v2 says nothing about cpu). */
  DWAE_SCHED_ATTR_V1_CPU = 1,
};

/* Per-CPU value of the map `sched_by_cgroup`, keyed by cgroup id (__u64). User space sums the
 * per-CPU copies. All counters cover the time since the entry was last drained. */
struct dwae_sched_record {
  __u64 wakeups;              /* sched_wakeup + sched_wakeup_new of tasks in the cgroup */
  __u64 run_delay_count;      /* waits in the run queue that ended (= histogram total) */
  __u64 run_delay_ns;         /* sum of those waits: wakeup or preemption -> on CPU */
  __u64 on_cpu_ns;            /* time on CPU, credited when a task is switched out */
  __u64 switches;             /* context switches away from tasks of the cgroup */
  __u64 involuntary_switches; /* ... of which the task was still runnable (preempted) */
  __u64 migrations;           /* sched_migrate_task */
  __u64 run_delay_hist[DWAE_SCHED_HIST_BUCKETS]; /* log2 histogram of the waits, ns */
};

#endif /* DWAE_BPF_SCHED_RECORD_H */
