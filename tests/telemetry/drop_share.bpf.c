// SPDX-License-Identifier: GPL-2.0
/* Test traffic shaper: a tc classifier (direct action) that drops every `drop_every`-th data
 * packet (len >= 200 bytes) it sees, so TCP must retransmit. Deterministic: no random
 * numbers, the same packets are dropped for the same traffic. */
// clang-format off
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
// clang-format on

char LICENSE[] SEC("license") = "GPL";

#define TC_ACT_OK_ 0
#define TC_ACT_SHOT_ 2

const volatile __u32 drop_every = 10;
__u64 data_packets = 0;
__u64 dropped = 0;

SEC("tc")
int drop_share(struct __sk_buff* skb) {
  __u64 n;
  if (skb->len < 200) return TC_ACT_OK_;
  n = __sync_fetch_and_add(&data_packets, 1);
  if (drop_every != 0 && n % drop_every == drop_every - 1) {
    __sync_fetch_and_add(&dropped, 1);
    return TC_ACT_SHOT_;
  }
  return TC_ACT_OK_;
}
