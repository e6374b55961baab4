#!/bin/bash
# The scheduler-event benchmark of issue 6 in one command (root: it loads BPF):
#   1. aggregation mode: a context-switch storm (stress-ng --switch) in a cgroup of its own under
#      `perf stat -e sched:sched_switch`, every eBPF collector loaded and drained every 200 ms;
#      prints our switch count against perf's, BPF ns per program run (kernel run-time
#      statistics), the drains' CPU time, ns per switch all included and the share of a core;
#      then the same cost from CPU time without the statistics (pinned pipe ping-pong);
#   2. raw-event mode: `dwae record --raw-events` (every event, one in one) during the same
#      storm; prints raw events recorded to Arrow per second and the drop rate, read back from
#      the file with apache-arrow (Node), the independent reader the tests use.
# Usage: bench/telemetry_events.sh [BUILD_DIR] (default build/release). Environment: SECONDS_RUN
# (default 5), WORKERS (stress-ng --switch workers, default 2).
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build/release}
seconds=${SECONDS_RUN:-5}
workers=${WORKERS:-2}
events_bench=$build/bench/telemetry_events_bench
dwae=$build/src/dwae/cli/dwae
[[ -x $dwae ]] || dwae=$build/dwae
for tool in stress-ng perf node; do
  command -v $tool >/dev/null || { echo "$tool is missing: run scripts/setup" >&2; exit 1; }
done
[[ -x $events_bench ]] || { echo "build $events_bench first" >&2; exit 1; }
[[ -x $dwae ]] || { echo "build dwae first ($dwae)" >&2; exit 1; }
[[ $(id -u) == 0 ]] || { echo "needs root (loads BPF)" >&2; exit 1; }

echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "host: $(nproc) CPUs, kernel $(uname -r)"
echo "uptime before: $(uptime)"

echo
echo "== 0. the storm alone (no collector): perf stat -e sched:sched_switch -a"
perf stat -x, -e sched:sched_switch -a -o /tmp/dwae-events-alone.csv -- \
  stress-ng --switch "$workers" -t "${seconds}s" --quiet
alone=$(awk -F, '/sched:sched_switch/ {print $1}' /tmp/dwae-events-alone.csv)
echo "switches_per_s_without_collectors $((alone / seconds))"

echo
echo "== 1. aggregation mode"
"$events_bench" --seconds "$seconds" -- stress-ng --switch "$workers" -t "${seconds}s" --quiet
echo "uptime: $(uptime)"

echo
echo "== 1b. the same cost without the run-time statistics: CPU time of a pinned pipe ping-pong"
echo "   with and without the collectors (alternating; noisy on a busy host)"
"$events_bench" --cpu-cost 100000 --repetitions 8
echo "uptime: $(uptime)"

echo
echo "== 2. raw-event mode (every event), recorded to Arrow"
work=$(mktemp -d /tmp/dwae-events.XXXXXX)
trap 'rm -rf "$work"' EXIT
cat >"$work/config.yaml" <<EOF
agent:
  period: 200ms
  dry_run: true
  cgroup_roots: [/sys/fs/cgroup]
  state_dir: $work/state
  metrics_address: ""
policy:
  name: static
workloads:
  - name: storm
    class: best-effort
    match: {cgroup: "/dwae-events-storm"}
EOF
# Recording starts first; the storm runs inside the recording's window.
# CPU time of the whole `dwae record` process (loading the BPF objects and the sample
# recording included).
(TIMEFORMAT='recorder_cpu_s user %U sys %S wall %R'
 time "$dwae" record --config "$work/config.yaml" --out "$work/samples.arrow" \
  --duration "$((seconds + 3))s" --raw-events "$work/raw.arrow") >"$work/record.out" 2>&1 &
recorder=$!
# The raw-event file gets its schema once the collectors are loaded and attached; loading takes
# seconds on a busy host.
for _ in $(seq 600); do
  [[ -s $work/raw.arrow ]] && break
  sleep 0.1
done
sleep 0.5
stress-ng --switch "$workers" -t "${seconds}s" --quiet
wait "$recorder"
cat "$work/record.out"
ls -l "$work/raw.arrow" | awk '{print "raw_file_bytes", $5}'
node -e '
const arrow = require(process.argv[1] + "/tools/node_modules/apache-arrow");
const bytes = require("fs").readFileSync(process.argv[2]);
const reader = arrow.RecordBatchReader.from(bytes).open();
let rows = 0;
const kinds = new Map();
const perSecond = new Map();  // whole seconds of CLOCK_MONOTONIC -> rows
for (const batch of reader) {
  rows += batch.numRows;
  const t = batch.getChild("time_ns"), k = batch.getChild("kind");
  for (let i = 0; i < batch.numRows; ++i) {
    const s = Number(t.get(i) / 1000000000n);
    perSecond.set(s, (perSecond.get(s) || 0) + 1);
    const kind = k.get(i);
    kinds.set(kind, (kinds.get(kind) || 0) + 1);
  }
}
const counts = [...perSecond.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
// Whole seconds inside the storm: drop the first and last second seen.
const inner = counts.slice(1, -1);
const mean = inner.length ? inner.reduce((a, b) => a + b, 0) / inner.length : 0;
console.log("apache_arrow_rows", rows);
console.log("rows_by_kind", JSON.stringify(Object.fromEntries(kinds)));
console.log("rows_per_second", JSON.stringify(counts));
console.log("raw_events_recorded_per_s_mean_of_inner_seconds", Math.round(mean),
            "max", Math.max(0, ...inner));
' "$src" "$work/raw.arrow"
echo "uptime after: $(uptime)"
