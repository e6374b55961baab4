#!/usr/bin/env python3
"""Writes tiny.policy, the hand-built policy of tests/policy/tiny_policy.h, from the format
description in docs/policies.md alone (no DWAE code): a check that a trainer in another
language can export policy files. Run: python3 make_tiny_policy.py > tiny.policy"""
import json
import struct
import sys
import zlib

FEATURES = [
    "cpu_use", "cpu_use_mean", "cpu_use_trend", "runq_p99", "runq_p99_p95", "runq_p99_trend",
    "throttled_share", "throttled_mean", "psi_cpu_some", "psi_cpu_some_mean", "psi_cpu_full",
    "psi_memory_some", "psi_memory_some_max", "reclaim_stall", "memory_use_vs_high",
    "psi_io_some", "io_p99", "io_p99_p95", "net_drop_share", "net_drop_share_mean",
    "net_queue_depth", "request_p99_vs_target", "top_process_share", "top_process_cpu",
    "numa_node", "llc_domain", "remote_memory_share", "is_latency_sensitive", "is_best_effort",
    "priority", "host_demand_over_capacity", "host_overcommit",
]

mean = [0.0] * 32
std = [1.0] * 32
mean[0], std[0] = 0.5, 0.5
lo = [0.0] * 32
lo[2] = lo[5] = -1.0
header = {
    "format": "dwae-policy",
    "name": "tiny-hand-built",
    "input": {"features": FEATURES},
    "layers": [32, 2, 2],
    "activations": ["tanh", "tanh"],
    "normalisation": {"mean": mean, "std": std, "clip": 10},
    "training_range": {"min": lo, "max": [1.0] * 32, "tolerance": 0.05},
    "actions": [
        {"resource": "cpu.weight", "max_relative_change": 0.2},
        {"resource": "io.weight", "max_relative_change": 0.1},
    ],
}
w1 = [0.0] * 64
w1[0] = 1.0
w1[32 + 3] = 2.0
weights = w1 + [0.0, -1.0] + [1.0, 0.0, 0.5, -1.0] + [0.0, 0.25]

text = json.dumps(header).encode()
body = b"DWAEPOL1" + struct.pack("<II", 1, len(text)) + text
body += struct.pack("<I", len(weights)) + struct.pack("<%df" % len(weights), *weights)
sys.stdout.buffer.write(body + struct.pack("<I", zlib.crc32(body) & 0xFFFFFFFF))
