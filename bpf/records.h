/* Record layouts of the memory, block, network and lifecycle collectors and of raw events,
 * shared by bpf/<class>.bpf.c (kernel) and dwae/telemetry (user space): plain C types only. */
#ifndef DWAE_BPF_RECORDS_H
#define DWAE_BPF_RECORDS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#include "sched_record.h" /* DWAE_SCHED_HIST_BUCKETS, dwae_sched_delay_bucket() */

/* Which cgroup an event is charged to: the `attribution_mode` global of every object, set by
 * user space before load. V2 and V1_CPU have the values of enum dwae_sched_attribution. */
enum dwae_attribution {
  DWAE_ATTR_V2 = 0,        /* task->cgroups->dfl_cgrp: the v2 (unified) cgroup */
  DWAE_ATTR_V1_CPU = 1,    /* task->cgroups->subsys[cpu_cgrp_id]->cgroup */
  DWAE_ATTR_V1_MEMORY = 2, /* task->cgroups->subsys[memory_cgrp_id]->cgroup */
  DWAE_ATTR_V1_BLKIO = 3,  /* task->cgroups->subsys[io_cgrp_id]->cgroup (v1 "blkio") */
};

/* Capacity of every per-CPU aggregation map: cgroups with activity between two drains. */
#define DWAE_MAX_CGROUPS 10240

/* Memory, per cgroup (per CPU, since the last drain). */
struct dwae_memory_record {
  __u64 user_faults;      /* page_fault_user: faults taken in user mode */
  __u64 page_allocations; /* mm_page_alloc calls that returned a page */
  __u64 pages_allocated;  /* ... their pages (2^order each) */
  __u64 direct_reclaims;  /* mm_vmscan_direct_reclaim_end: global direct reclaim episodes */
  __u64 limit_reclaims;   /* mm_vmscan_memcg_reclaim_end: reclaim at the cgroup's limit */
  __u64 reclaim_stall_ns; /* time spent in both kinds of reclaim (begin -> end) */
  __u64 pages_reclaimed;  /* nr_reclaimed reported at the end of those episodes */
  __u64 oom_kills;        /* mark_victim: tasks of the cgroup chosen by the OOM killer */
  __u64 reclaim_stall_hist[DWAE_SCHED_HIST_BUCKETS]; /* log2 histogram of the stalls, ns */
};

/* Block I/O, per cgroup. Index [0] = read, [1] = write. Classified at issue time; counted at
 * completion. Sequential: the request starts where the cgroup's previous request to the same
 * disk ended. */
struct dwae_block_record {
  __u64 ios[2];
  __u64 bytes[2];
  __u64 sequential_ios[2];
  __u64 sequential_bytes[2];
  __u64 metadata_ios; /* REQ_META (file system metadata), any direction */
  __u64 other_ios;    /* flush, discard, write-zeroes...: no data direction */
  __u64 errors;       /* completed with a non-zero status */
  __u64 queued_ios;   /* requests seen at block_rq_insert (went through a scheduler queue) */
  __u64 queue_ns;     /* ... their insert -> issue time */
  __u64 latency_ns;   /* issue -> complete, summed over all requests */
  __u64 latency_hist[DWAE_SCHED_HIST_BUCKETS]; /* log2 histogram of issue -> complete, ns */
};

/* Network, per cgroup (the socket's owner). Cgroup id 0 holds what has no socket owner
 * (forwarded traffic, packets before socket lookup). */
struct dwae_net_record {
  __u64 rx_packets; /* delivered to the cgroup's sockets (segments, GRO undone) */
  __u64 rx_bytes;
  __u64 tx_packets; /* net_dev_xmit of the cgroup's skbs (segments, GSO undone) */
  __u64 tx_bytes;
  __u64 tcp_retransmits;   /* tcp_retransmit_skb */
  __u64 congestion_events; /* tcp_cong_state_set into CWR, Recovery or Loss */
  __u64 loss_events;       /* ... into Loss (retransmission timeout) */
  __u64 rx_queue_drops;    /* sock_rcvqueue_full: receive queue full, packet dropped */
  __u64 device_rx_packets; /* netif_receive_skb (almost always cgroup 0: no socket yet) */
  __u64 device_rx_bytes;
};

/* Process lifecycle, per cgroup. */
struct dwae_lifecycle_record {
  __u64 forks;         /* sched_process_fork, charged to the parent's cgroup */
  __u64 execs;         /* sched_process_exec */
  __u64 thread_exits;  /* sched_process_exit, every task */
  __u64 process_exits; /* ... of which the last thread of a process (group_dead) */
};

/* Raw events (opt-in): one in `raw_sample_every` events of the kinds below goes to the ring
 * buffer `raw_events`; `raw_counters` (per CPU) counts what was sampled and what was lost. */
enum dwae_raw_kind {
  DWAE_RAW_RUN_DELAY = 1,  /* value: run-queue wait (ns) that just ended */
  DWAE_RAW_SWITCH_OUT = 2, /* value: on-CPU time of the slice that ended (ns) */
  DWAE_RAW_USER_FAULT = 3, /* value: faulting address */
  DWAE_RAW_RECLAIM = 4,    /* value: stall (ns); aux: pages reclaimed */
  DWAE_RAW_OOM_KILL = 5,
  DWAE_RAW_BLOCK_COMPLETE = 6, /* value: issue -> complete (ns); aux: bytes | write << 63 */
  DWAE_RAW_NET_TX = 7,         /* value: bytes */
  DWAE_RAW_NET_RX = 8,         /* value: bytes */
  DWAE_RAW_TCP_RETRANSMIT = 9,
  DWAE_RAW_FORK = 10, /* aux: child pid */
  DWAE_RAW_EXEC = 11,
  DWAE_RAW_EXIT = 12,
};

struct dwae_raw_event {
  __u64 time_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
  __u64 cgroup_id;
  __u64 value;
  __u64 aux;
  __u32 pid;
  __u16 kind; /* enum dwae_raw_kind */
  __u16 cpu;
};

enum dwae_raw_counter {
  DWAE_RAW_SEEN = 0,    /* events that passed a raw-event hook */
  DWAE_RAW_SAMPLED = 1, /* ... chosen by the sampling (seen / raw_sample_every) */
  DWAE_RAW_DROPPED = 2, /* ... lost because the ring buffer was full */
  DWAE_RAW_COUNTERS = 3,
};

#endif /* DWAE_BPF_RECORDS_H */
