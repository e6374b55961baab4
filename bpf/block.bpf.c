// SPDX-License-Identifier: GPL-2.0
/* Block I/O collector: per cgroup (v1 blkio hierarchy on hybrid hosts) latency histogram of
 * issue -> complete, bytes and counts split read/write and sequential/random, metadata and
 * other requests, and insert -> issue queue time. Completions run in interrupt context, where
 * the current task says nothing; the owner is taken at insert/issue from the request's bio
 * (the blkcg the kernel charges the I/O to, right for writeback too) and carried to the
 * completion in `inflight`. Record layout: records.h. */
// clang-format off
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "records.h"
#include "common.bpf.h"
// clang-format on

char LICENSE[] SEC("license") = "GPL";

#define REQ_OP_MASK_ ((1U << 8) - 1) /* REQ_OP_BITS = 8 since 4.10 */
#define INFLIGHT_WRITE 1U
#define INFLIGHT_OTHER 2U /* neither read nor write */
#define INFLIGHT_META 4U
#define INFLIGHT_SEQUENTIAL 8U

const struct dwae_block_record zero_block_record = {};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, DWAE_MAX_CGROUPS);
  __type(key, __u64);
  __type(value, struct dwae_block_record);
} block_by_cgroup SEC(".maps");

/* A request between insert/issue and completion, keyed by its address. LRU: a request whose
 * completion we never see (requeued, or issued before we attached) ages out. */
struct inflight {
  __u64 cgroup_id;
  __u64 insert_ns; /* 0: not seen at insert (issued directly) */
  __u64 issue_ns;  /* 0: not issued yet */
  __u32 flags;
  __u32 pad;
};

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 65536);
  __type(key, __u64);
  __type(value, struct inflight);
} inflight SEC(".maps");

/* Where the cgroup's last request on a disk ended (sector), for sequential detection. */
struct stream_key {
  __u64 cgroup_id;
  __u64 disk;
};

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 65536);
  __type(key, struct stream_key);
  __type(value, __u64);
} next_sector SEC(".maps");

static __always_inline __u64 request_cgroup_id(struct request* rq) {
  struct blkcg_gq* blkg = BPF_CORE_READ(rq, bio, bi_blkg);
  if (blkg) {
    struct blkcg* blkcg = BPF_CORE_READ(blkg, blkcg);
    if (blkcg) return BPF_CORE_READ(blkcg, css.cgroup, kn, id);
  }
  /* No bio (flush) or no blkg: the submitting task, when that is who runs. */
  return dwae_current_cgroup_id();
}

static __always_inline struct inflight* track(struct request* rq) {
  const __u64 key = (__u64)rq;
  struct inflight* f = bpf_map_lookup_elem(&inflight, &key);
  struct inflight fresh = {};

  if (f) return f;
  fresh.cgroup_id = request_cgroup_id(rq);
  bpf_map_update_elem(&inflight, &key, &fresh, BPF_ANY);
  return bpf_map_lookup_elem(&inflight, &key);
}

SEC("tp_btf/block_rq_insert")
int BPF_PROG(dwae_block_rq_insert, struct request* rq) {
  struct inflight* f = track(rq);

  if (!f) return 0;
  /* A request put back after a dispatch keeps its first times (it was issued). One not issued
   * yet is new here: an entry it finds was left by an earlier request at the same address that
   * went away unseen, and is started afresh. */
  if (f->issue_ns == 0) {
    f->insert_ns = bpf_ktime_get_ns();
    f->cgroup_id = request_cgroup_id(rq);
    f->flags = 0;
  }
  return 0;
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(dwae_block_rq_issue, struct request* rq) {
  struct inflight* f = track(rq);
  const __u32 op = BPF_CORE_READ(rq, cmd_flags) & REQ_OP_MASK_;
  const __u32 meta_bit = bpf_core_enum_value(enum req_flag_bits, __REQ_META);
  const __u64 sector = BPF_CORE_READ(rq, __sector);
  const __u32 len = BPF_CORE_READ(rq, __data_len);
  struct stream_key sk = {};
  __u64* next;
  __u64 end;

  if (!f) return 0;
  if (f->issue_ns == 0) f->issue_ns = bpf_ktime_get_ns(); /* re-issue: keep the first */
  /* The request's own blkcg, when it has one, is the owner whatever an older entry said. */
  if (BPF_CORE_READ(rq, bio, bi_blkg)) f->cgroup_id = request_cgroup_id(rq);
  f->flags = 0;
  if (op == 1 /* REQ_OP_WRITE */)
    f->flags |= INFLIGHT_WRITE;
  else if (op != 0 /* REQ_OP_READ */)
    f->flags |= INFLIGHT_OTHER;
  if (meta_bit < 32 && (BPF_CORE_READ(rq, cmd_flags) & (1U << meta_bit))) f->flags |= INFLIGHT_META;
  if (len == 0 || (f->flags & INFLIGHT_OTHER)) return 0;

  sk.cgroup_id = f->cgroup_id;
  sk.disk = (__u64)BPF_CORE_READ(rq, q, disk);
  end = sector + (len >> 9);
  next = bpf_map_lookup_elem(&next_sector, &sk);
  if (next) {
    if (*next == sector) f->flags |= INFLIGHT_SEQUENTIAL;
    *next = end;
  } else {
    bpf_map_update_elem(&next_sector, &sk, &end, BPF_ANY);
  }
  return 0;
}

/* A request merged into another is freed without completing (the kernel traces the one that
 * goes away): forget it, or a later request at the same address would take over its times and
 * its cgroup. */
SEC("tp_btf/block_rq_merge")
int BPF_PROG(dwae_block_rq_merge, struct request* rq) {
  const __u64 key = (__u64)rq;

  bpf_map_delete_elem(&inflight, &key);
  return 0;
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(dwae_block_rq_complete, struct request* rq, blk_status_t error,
             unsigned int nr_bytes) {
  const __u64 key = (__u64)rq;
  struct inflight* f = bpf_map_lookup_elem(&inflight, &key);
  struct dwae_block_record* r;
  struct inflight done;
  __u64 now, latency = 0;

  if (!f) return 0;
  done = *f;
  bpf_map_delete_elem(&inflight, &key);
  /* Issued without our seeing it (attached in between): time it from insert, if seen. */
  if (done.issue_ns == 0) done.issue_ns = done.insert_ns;
  if (done.issue_ns == 0) return 0;
  now = bpf_ktime_get_ns();
  if (now > done.issue_ns) latency = now - done.issue_ns;

  r = DWAE_RECORD_FOR(block_by_cgroup, zero_block_record, done.cgroup_id);
  if (!r) return 0;
  if (done.flags & INFLIGHT_OTHER) {
    r->other_ios++;
  } else {
    const int w = (done.flags & INFLIGHT_WRITE) ? 1 : 0;
    r->ios[w]++;
    r->bytes[w] += nr_bytes;
    if (done.flags & INFLIGHT_SEQUENTIAL) {
      r->sequential_ios[w]++;
      r->sequential_bytes[w] += nr_bytes;
    }
  }
  if (done.flags & INFLIGHT_META) r->metadata_ios++;
  if (error) r->errors++;
  if (done.insert_ns != 0 && done.issue_ns > done.insert_ns) {
    r->queued_ios++;
    r->queue_ns += done.issue_ns - done.insert_ns;
  }
  r->latency_ns += latency;
  r->latency_hist[dwae_sched_delay_bucket(latency)]++;
  dwae_raw_emit(DWAE_RAW_BLOCK_COMPLETE, done.cgroup_id, 0, latency,
                (__u64)nr_bytes | ((__u64)((done.flags & INFLIGHT_WRITE) ? 1 : 0) << 63));
  return 0;
}
