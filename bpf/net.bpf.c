// SPDX-License-Identifier: GPL-2.0
/* Network collector: per cgroup packets and bytes in and out, TCP retransmits, congestion
 * events (TCP entering CWR/Recovery/Loss) and receive-queue drops, charged to the owner of the
 * socket. Most of these run in softirq context, where the current task is unrelated, so the
 * owner is kept with the socket (`sk_owner`, socket-local storage): stamped from the task that
 * creates the connection (connect, listen; accepted sockets inherit the listener's through
 * BPF_F_CLONE) and from every task that sends or receives on it. In v2 mode a socket without a
 * stamp falls back to its own v2 cgroup (sk_cgrp_data). Record layout: records.h. */
// clang-format off
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "records.h"
#include "common.bpf.h"
// clang-format on

char LICENSE[] SEC("license") = "GPL";

#define TCP_SYN_SENT_ 2
#define TCP_TIME_WAIT_ 6
#define TCP_LISTEN_ 10
#define TCP_NEW_SYN_RECV_ 12
#define TCP_CA_CWR_ 2
#define TCP_CA_LOSS_ 4

const struct dwae_net_record zero_net_record = {};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, DWAE_MAX_CGROUPS);
  __type(key, __u64);
  __type(value, struct dwae_net_record);
} net_by_cgroup SEC(".maps");

struct sock_owner {
  __u64 cgroup_id;
};

struct {
  __uint(type, BPF_MAP_TYPE_SK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
  __type(key, int);
  __type(value, struct sock_owner);
} sk_owner SEC(".maps");

static __always_inline bool full_sock(const struct sock* sk) {
  const __u8 state = BPF_CORE_READ(sk, __sk_common.skc_state);
  return state != TCP_TIME_WAIT_ && state != TCP_NEW_SYN_RECV_;
}

static __always_inline void stamp_owner(struct sock* sk) {
  struct sock_owner* o;
  if (!sk) return;
  o = bpf_sk_storage_get(&sk_owner, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
  if (o) o->cgroup_id = dwae_current_cgroup_id();
}

static __always_inline __u64 sock_cgroup_id(struct sock* sk) {
  struct sock_owner* o;
  if (!sk || !full_sock(sk)) return 0;
  o = bpf_sk_storage_get(&sk_owner, sk, 0, 0);
  if (o) return o->cgroup_id;
  if (attribution_mode == DWAE_ATTR_V2) return BPF_CORE_READ(sk, sk_cgrp_data.cgroup, kn, id);
  return 0;
}

static __always_inline struct dwae_net_record* record_of(__u64 id) {
  return DWAE_RECORD_FOR(net_by_cgroup, zero_net_record, id);
}

/* Process context: the task is the socket's user. */
SEC("tp_btf/sock_send_length")
int BPF_PROG(dwae_sock_send_length, struct sock* sk, int ret, int flags) {
  stamp_owner(sk);
  return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(dwae_sock_recv_length, struct sock* sk, int ret, int flags) {
  stamp_owner(sk);
  return 0;
}

/* connect() and listen() run in the caller's context; children of a listener inherit. */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(dwae_inet_sock_set_state, struct sock* sk, int oldstate, int newstate) {
  if (newstate == TCP_SYN_SENT_ || newstate == TCP_LISTEN_) stamp_owner(sk);
  return 0;
}

static __always_inline __u64 skb_segments(const struct sk_buff* skb) {
  const unsigned char* head = BPF_CORE_READ(skb, head);
  const __u64 end = BPF_CORE_READ(skb, end); /* an offset on 64-bit kernels */
  const struct skb_shared_info* shinfo = (const struct skb_shared_info*)(head + end);
  const __u16 segs = BPF_CORE_READ(shinfo, gso_segs);
  return segs > 1 ? segs : 1;
}

SEC("tp_btf/net_dev_xmit")
int BPF_PROG(dwae_net_dev_xmit, struct sk_buff* skb, int rc, struct net_device* dev,
             unsigned int len) {
  struct dwae_net_record* r;
  __u64 id;

  if (rc != 0) return 0; /* not NETDEV_TX_OK: not sent */
  id = sock_cgroup_id(skb->sk);
  r = record_of(id);
  if (r) {
    r->tx_packets += skb_segments(skb);
    r->tx_bytes += len;
  }
  dwae_raw_emit(DWAE_RAW_NET_TX, id, 0, len, 0);
  return 0;
}

/* Before socket lookup: skb->sk is almost always empty, so this is the device-level count
 * (cgroup 0); per-workload receive comes from dwae_sock_ingress. */
SEC("tp_btf/netif_receive_skb")
int BPF_PROG(dwae_netif_receive_skb, struct sk_buff* skb) {
  struct dwae_net_record* r = record_of(sock_cgroup_id(skb->sk));
  if (r) {
    r->device_rx_packets += skb_segments(skb);
    r->device_rx_bytes += BPF_CORE_READ(skb, len);
  }
  return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(dwae_tcp_retransmit_skb, const struct sock* sk, const struct sk_buff* skb) {
  const __u64 id = sock_cgroup_id((struct sock*)sk);
  struct dwae_net_record* r = record_of(id);
  if (r) r->tcp_retransmits++;
  dwae_raw_emit(DWAE_RAW_TCP_RETRANSMIT, id, 0, 0, 0);
  return 0;
}

SEC("tp_btf/tcp_cong_state_set")
int BPF_PROG(dwae_tcp_cong_state_set, struct sock* sk, const u8 ca_state) {
  struct dwae_net_record* r;
  if (ca_state < TCP_CA_CWR_) return 0;
  r = record_of(sock_cgroup_id(sk));
  if (!r) return 0;
  r->congestion_events++;
  if (ca_state == TCP_CA_LOSS_) r->loss_events++;
  return 0;
}

SEC("tp_btf/sock_rcvqueue_full")
int BPF_PROG(dwae_sock_rcvqueue_full, struct sock* sk, struct sk_buff* skb) {
  struct dwae_net_record* r = record_of(sock_cgroup_id(sk));
  if (r) r->rx_queue_drops++;
  return 0;
}

/* Every packet delivered to a socket (attached to the v2 root, so it sees all sockets); never
 * drops anything. */
SEC("cgroup_skb/ingress")
int dwae_sock_ingress(struct __sk_buff* skb) {
  struct bpf_sock* sk = skb->sk;
  struct sock_owner* o;
  struct dwae_net_record* r;
  __u64 id = 0;

  if (sk) sk = bpf_sk_fullsock(sk);
  if (sk) {
    o = bpf_sk_storage_get(&sk_owner, sk, 0, 0);
    if (o)
      id = o->cgroup_id;
    else if (attribution_mode == DWAE_ATTR_V2)
      id = bpf_skb_cgroup_id(skb);
  }
  r = record_of(id);
  if (r) {
    r->rx_packets += skb->gso_segs > 1 ? skb->gso_segs : 1;
    r->rx_bytes += skb->len;
  }
  dwae_raw_emit(DWAE_RAW_NET_RX, id, 0, skb->len, 0);
  return 1;
}
