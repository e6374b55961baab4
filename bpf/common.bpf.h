/* Helpers shared by the BPF collectors: which cgroup a task is charged to (per attribution
 * mode, CO-RE) and the opt-in raw-event ring buffer. Include after vmlinux.h, the libbpf
 * headers and records.h. */
#ifndef DWAE_BPF_COMMON_BPF_H
#define DWAE_BPF_COMMON_BPF_H

/* Set by user space before load (enum dwae_attribution); the verifier prunes the other modes. */
const volatile int attribution_mode = DWAE_ATTR_V2;
/* 0: raw events off (the hooks compile to nothing); n: one in n events goes to the ring. */
const volatile __u32 raw_sample_every = 0;

/* User space replaces both maps (bpf_map__reuse_fd) with one ring and one counter array shared
 * by every object, so raw events of all classes arrive in one stream. */
struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4096);
} raw_events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, DWAE_RAW_COUNTERS);
  __type(key, __u32);
  __type(value, __u64);
} raw_counters SEC(".maps");

/* The cgroup of task t in the hierarchy of the attribution mode. The v1 subsystem index is a
 * CO-RE enum relocation: the running kernel's number, which depends on its configuration. */
static __always_inline __u64 dwae_task_cgroup_id(const struct task_struct* t, int mode) {
  struct css_set* cset;
  struct cgroup_subsys_state* css = NULL;
  int subsys = -1;

  if (!t) return 0;
  if (mode == DWAE_ATTR_V1_CPU) {
    if (bpf_core_enum_value_exists(enum cgroup_subsys_id, cpu_cgrp_id))
      subsys = bpf_core_enum_value(enum cgroup_subsys_id, cpu_cgrp_id);
  } else if (mode == DWAE_ATTR_V1_MEMORY) {
    if (bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
      subsys = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
  } else if (mode == DWAE_ATTR_V1_BLKIO) {
    if (bpf_core_enum_value_exists(enum cgroup_subsys_id, io_cgrp_id))
      subsys = bpf_core_enum_value(enum cgroup_subsys_id, io_cgrp_id);
  } else {
    return BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
  }
  if (subsys < 0 || subsys >= 64) return 0;
  cset = BPF_CORE_READ(t, cgroups);
  bpf_core_read(&css, sizeof(css), &cset->subsys[subsys]);
  if (!css) return 0;
  return BPF_CORE_READ(css, cgroup, kn, id);
}

static __always_inline __u64 dwae_current_cgroup_id(void) {
  return dwae_task_cgroup_id((const struct task_struct*)bpf_get_current_task_btf(),
                             attribution_mode);
}

static __always_inline void dwae_raw_count(__u32 counter) {
  __u64* c = bpf_map_lookup_elem(&raw_counters, &counter);
  if (c) *c += 1;
}

static __always_inline void dwae_raw_emit(__u16 kind, __u64 cgroup_id, __u32 pid, __u64 value,
                                          __u64 aux) {
  const __u32 seen_key = DWAE_RAW_SEEN;
  struct dwae_raw_event* e;
  __u64* seen;

  if (raw_sample_every == 0) return;
  seen = bpf_map_lookup_elem(&raw_counters, &seen_key);
  if (!seen) return;
  *seen += 1;
  if (raw_sample_every > 1 && *seen % raw_sample_every != 0) return;
  dwae_raw_count(DWAE_RAW_SAMPLED);
  e = bpf_ringbuf_reserve(&raw_events, sizeof(*e), 0);
  if (!e) {
    dwae_raw_count(DWAE_RAW_DROPPED);
    return;
  }
  e->time_ns = bpf_ktime_get_ns();
  e->cgroup_id = cgroup_id;
  e->value = value;
  e->aux = aux;
  e->pid = pid;
  e->kind = kind;
  e->cpu = (__u16)bpf_get_smp_processor_id();
  bpf_ringbuf_submit(e, 0);
}

/* The per-CPU record of a cgroup in an aggregation map, created zeroed on first use. Two CPUs
 * may race to create it; BPF_NOEXIST keeps the first and both then find it. */
#define DWAE_RECORD_FOR(map, zero, id)                               \
  ({                                                                 \
    __u64 dwae_key_ = (id);                                          \
    void* dwae_r_ = bpf_map_lookup_elem(&(map), &dwae_key_);         \
    if (!dwae_r_) {                                                  \
      bpf_map_update_elem(&(map), &dwae_key_, &(zero), BPF_NOEXIST); \
      dwae_r_ = bpf_map_lookup_elem(&(map), &dwae_key_);             \
    }                                                                \
    dwae_r_;                                                         \
  })

#endif /* DWAE_BPF_COMMON_BPF_H */
