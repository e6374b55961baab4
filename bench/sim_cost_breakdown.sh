#!/usr/bin/env bash
# Where the simulator's instructions go on the speed benchmark's host (scenarios/host-16.yaml):
# callgrind counts of the steps (SimHost::run_until, inclusive) for the whole host, for its
# request-driven workloads alone, for those with almost no arrivals, and with twice the
# arrivals. The differences give the cost of idle steps, of each request and of the fluid
# workloads. Needs valgrind. Usage: bench/sim_cost_breakdown.sh [DWAE_BINARY]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dwae=${1:-$root/build/release/dwae}
[[ -x $dwae ]] || { echo "no dwae binary at $dwae (build it first)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The request-driven workloads are host-16's first seven; the batch ones start at `&batch`.
awk '/^  - &batch/ { exit } { print }' "$root/scenarios/host-16.yaml" >"$work/requests.yaml"
sed -e 's/rate: [0-9.]*/rate: 0.001/g' -e 's/streams: 10, fps: 25/streams: 1, fps: 0.1/' \
  "$work/requests.yaml" >"$work/idle.yaml"
awk '{ while (match($0, /rate: [0-9.]+/)) {
         v = substr($0, RSTART + 6, RLENGTH - 6) * 2
         $0 = substr($0, 1, RSTART - 1) "rate= " v substr($0, RSTART + RLENGTH) }
       gsub(/rate= /, "rate: "); sub(/streams: 10,/, "streams: 20,"); print }' \
  "$work/requests.yaml" >"$work/double.yaml"

steps() {  # instructions inside SimHost::run_until for one run of `dwae sim FILE`
  valgrind --tool=callgrind --callgrind-out-file="$work/out" "$dwae" sim "$1" >/dev/null 2>&1
  callgrind_annotate --inclusive=yes "$work/out" 2>/dev/null |
    awk '/SimHost::run_until/ && !done { gsub(",", "", $1); print $1; done = 1 }'
}
events() { "$dwae" sim "$1" | awk 'NR == 1 { print $NF }'; }

host=$(steps "$root/scenarios/host-16.yaml")
requests=$(steps "$work/requests.yaml")
idle=$(steps "$work/idle.yaml")
double=$(steps "$work/double.yaml")
n1=$(events "$work/requests.yaml")
n2=$(events "$work/double.yaml")
awk -v host="$host" -v req="$requests" -v idle="$idle" -v dbl="$double" -v n1="$n1" -v n2="$n2" \
  'BEGIN {
     # events = steps + arrivals + completions; a request is two events.
     r1 = (n1 - 12000) / 2; r2 = (n2 - 12000) / 2
     printf "steps of the whole host:                 %6.1f M instructions\n", host / 1e6
     printf "request-driven workloads alone:          %6.1f M (%d requests)\n", req / 1e6, r1
     printf "  the same with almost no arrivals:      %6.1f M (idle steps: %.0f per workload and step)\n", idle / 1e6, idle / 12000 / 7
     printf "  requests:                              %6.1f M (%.0f per request)\n", (req - idle) / 1e6, (req - idle) / r1
     printf "  twice the arrivals:                    %6.1f M (%.0f per request added)\n", dbl / 1e6, (dbl - req) / (r2 - r1)
     printf "fluid workloads (whole host less those): %6.1f M\n", (host - req) / 1e6
   }'
