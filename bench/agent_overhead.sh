#!/usr/bin/env bash
# Agent overhead: CPU time the `dwae run` process uses with N workloads at a given period,
# measured over a window after a warm-up. The workloads are empty cgroups plus a few sleepers,
# created under this script's own cgroup in every hierarchy and removed on exit (also on ^C).
# Usage: bench/agent_overhead.sh [WORKLOADS=50] [PERIOD=200ms] [SECONDS=60] [DWAE=build/release/dwae]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-50}
period=${2:-200ms}
window=${3:-60}
dwae=${4:-build/release/dwae}
warmup=5
name="dwae-overhead-$$"
tmp=$(mktemp -d)
dirs=()
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  for ((i = ${#dirs[@]} - 1; i >= 0; i--)); do rmdir "${dirs[i]}" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# This process's cgroup in each hierarchy (v1 lines name their controllers, v2 is "0::").
roots=()
while IFS=: read -r _ controllers path; do
  if [[ -z $controllers ]]; then
    mount=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
  else
    [[ $controllers == name=* ]] && continue
    mount=$(awk -v c="$controllers" '$3 == "cgroup" && ("," $4 ",") ~ ("," c ",") {print $2; exit}' /proc/mounts)
  fi
  [[ -n ${mount:-} && -d $mount$path ]] || continue
  root="$mount${path%/}/$name"
  mkdir "$root"
  dirs+=("$root")
  roots+=("$root")
  if [[ -f $mount$path/cpuset.cpus ]]; then
    cat "$mount$path/cpuset.cpus" > "$root/cpuset.cpus"
    cat "$mount$path/cpuset.mems" > "$root/cpuset.mems"
  fi
  for ((i = 0; i < n; i++)); do
    mkdir "$root/w$i"
    dirs+=("$root/w$i")
    if [[ -f $root/cpuset.cpus ]]; then
      cat "$root/cpuset.cpus" > "$root/w$i/cpuset.cpus"
      cat "$root/cpuset.mems" > "$root/w$i/cpuset.mems"
    fi
  done
done < /proc/self/cgroup

# A few sleepers that wake every 10 ms, so the scheduling collector has events to drain.
for ((i = 0; i < 4; i++)); do
  sh -c "echo \$\$ > /dev/null; exec sleep 3600" &
  pid=$!
  pids+=("$pid")
  for root in "${roots[@]}"; do echo "$pid" > "$root/w$i/cgroup.procs" 2>/dev/null || true; done
done

{
  echo "agent: {period: $period, state_dir: $tmp/state, metrics_address: \"\","
  printf '  cgroup_roots: ['; (IFS=,; echo "${roots[*]}]}")
  echo "policy: {name: feedback}"
  echo "workloads:"
  echo "  - {name: ls, class: latency-sensitive, match: {cgroup: \"**/$name/w[0-9]\"}}"
  echo "  - {name: rest, class: best-effort, match: {cgroup: \"**/$name/w*\"}}"
} > "$tmp/config.yaml"

"$dwae" run --config "$tmp/config.yaml" --duration $((warmup + window + 2))s 2> "$tmp/agent.log" &
agent=$!
pids+=("$agent")
sleep "$warmup"
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$agent/stat"; }
start=$(cpu)
sleep "$window"
end=$(cpu)
wait "$agent" || { cat "$tmp/agent.log" >&2; exit 1; }
workloads=$(grep -o 'started: [0-9]* workloads' "$tmp/agent.log" | grep -o '[0-9]*' || echo "?")
awk -v s="$start" -v e="$end" -v t="$ticks" -v w="$window" -v n="$workloads" -v p="$period" \
  'BEGIN { printf "agent overhead: %s workloads, period %s, %d s: %.2f s CPU = %.2f %% of one core\n", n, p, w, (e - s) / t, 100 * (e - s) / t / w }'
