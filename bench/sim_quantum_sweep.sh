#!/usr/bin/env bash
# What a coarser scheduling quantum changes in the simulator's results: every shipped scenario
# under the static and feedback policies, at its own quantum and at QUANTUM (default 20ms), with
# each latency-sensitive class's P99 and SLA-violation share side by side.
# Usage: bench/sim_quantum_sweep.sh [DWAE_BINARY] [QUANTUM]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dwae=${1:-$root/build/release/dwae}
coarse=${2:-20ms}
[[ -x $dwae ]] || { echo "no dwae binary at $dwae (build it first)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Latency-sensitive classes with requests: name, p99 ms, SLA-violation share.
classes() { awk '$2 == "latency-sensitive" && $3 > 0 { print $1, $5, $8 }'; }

printf '%-26s %-9s %-12s %10s %10s %9s %9s\n' scenario policy class "p99 own" "p99 $coarse" \
  "viol own" "viol $coarse"
for file in "$root"/scenarios/*.yaml; do
  name=$(basename "$file" .yaml)
  own=$(sed -n 's/^quantum: *//p' "$file")
  sed "s/^quantum: .*/quantum: $coarse/" "$file" >"$work/$name.yaml"
  for policy in static feedback; do
    "$dwae" sim "$file" --policy "$policy" | classes >"$work/own"
    "$dwae" sim "$work/$name.yaml" --policy "$policy" | classes >"$work/coarse"
    paste -d' ' "$work/own" "$work/coarse" | while read -r class p99 viol _ p99c violc; do
      printf '%-26s %-9s %-12s %10s %10s %9s %9s\n' "$name (${own})" "$policy" "$class" "$p99" \
        "$p99c" "$viol" "$violc"
    done
  done
done
