#!/usr/bin/env bash
# bench/soak/run.sh - soak `mediac serve`: REQUESTS (default 1,000,000)
# mixed requests (local answers, JSON bodies, malformed bodies, flow faults,
# 404s, <call>s to a local stand-in upstream that succeed or answer 500), driven by wrk with bench/soak/mix.lua.  RSS and open fds of the
# server are sampled every second into bench/soak/results/samples.csv; the
# report says whether both are flat after warm-up (the first 20% of the
# samples) and counts unexpected statuses.  Not run in CI.
#
#   bench/soak/run.sh [REQUESTS]        (MEDIAC_BUILD=build by default)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
total=${1:-1000000}
build=${MEDIAC_BUILD:-build}
threads=2
conns=16
out=bench/soak/results
mkdir -p "$out"
[ -x "$build/src/cli/mediac" ] || bash scripts/build >/dev/null
command -v wrk >/dev/null || { echo "soak: wrk is needed (apt-get install wrk)" >&2; exit 2; }

work=$(mktemp -d)
cleanup() {
  [ -n "${srv:-}" ] && kill "$srv" 2>/dev/null || true
  [ -n "${up:-}" ] && kill "$up" 2>/dev/null || true
  [ -n "${sampler:-}" ] && kill "$sampler" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

python3 tests/e2e/fault_upstream.py >"$work/up.txt" &
up=$!
for _ in $(seq 50); do [ -s "$work/up.txt" ] && break; sleep 0.1; done
up_url=$(head -1 "$work/up.txt")
down_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir "$work/flows"
sed -e "s#UPSTREAM#$up_url#" -e "s#DOWN#http://127.0.0.1:$down_port#" bench/soak/flows.xml \
  >"$work/flows/flows.xml"

"$build/src/cli/mediac" serve --workers 2 --log-level warn --port 0 --admin-port 0 \
  "$work/flows" 2>"$work/serve.log" &
srv=$!
for _ in $(seq 100); do grep -q listening "$work/serve.log" && break; sleep 0.1; done
port=$(sed -n 's/.*listening on [0-9.]*:\([0-9]*\) admin.*/\1/p' "$work/serve.log")
[ -n "$port" ] || { cat "$work/serve.log" >&2; echo "soak: mediac serve did not start" >&2; exit 2; }

sample() {
  echo "t,rss_kb,fds,threads" >"$out/samples.csv"
  local t=0
  while kill -0 "$srv" 2>/dev/null; do
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$srv/status")
    thr=$(awk '/^Threads:/ {print $2}' "/proc/$srv/status")
    fds=$(ls "/proc/$srv/fd" | wc -l)
    echo "$t,$rss,$fds,$thr" >>"$out/samples.csv"
    t=$((t + 1))
    sleep 1
  done
}
sample &
sampler=$!

start=$(date +%s.%N)
: >"$out/wrk.txt"
done_n=0
while [ "$done_n" -lt "$total" ]; do       # 30 s wrk rounds until REQUESTS answered
  wrk -t"$threads" -c"$conns" -d30s --latency -s bench/soak/mix.lua \
    "http://127.0.0.1:$port" -- "$total" >"$work/round.txt" 2>&1
  cat "$work/round.txt" >>"$out/wrk.txt"
  n=$(sed -n 's/^soak: \([0-9]*\) responses.*/\1/p' "$work/round.txt")
  [ -n "$n" ] && [ "$n" -gt 0 ] || { echo "soak: wrk round failed" >&2; cat "$work/round.txt" >&2; exit 1; }
  done_n=$((done_n + n))
  echo "soak: $done_n of $total"
done
end=$(date +%s.%N)
sleep 2                               # a couple of idle samples at the end
kill "$sampler" 2>/dev/null || true
sampler=
cp "$work/serve.log" "$out/serve.log"

python3 - "$out" "$start" "$end" <<'PY'
import csv, sys
out, start, end = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
rows = [r for r in csv.DictReader(open(out + "/samples.csv"))]
rss = [int(r["rss_kb"]) for r in rows]
fds = [int(r["fds"]) for r in rows]
warm = max(1, len(rows) // 5)
after = rss[warm:]
q = max(1, len(after) // 4)
first, last = sum(after[:q]) / q, sum(after[-q:]) / q
growth = (last - first) / first * 100
fd_after = fds[warm:]
wrk = open(out + "/wrk.txt").read()
print(wrk.strip())
print("duration: %.1f s" % (end - start))
print("samples: %d (warm-up: first %d)" % (len(rows), warm))
print("RSS kB: min %d max %d; after warm-up first quarter avg %.0f, last quarter avg %.0f (%+.1f%%)"
      % (min(rss), max(rss), first, last, growth))
print("fds: warm-up max %d; after warm-up min %d max %d" % (max(fds[:warm]), min(fd_after), max(fd_after)))
flat_rss = growth < 5.0
flat_fd = max(fd_after) <= max(fds[:warm]) + 4
print("RSS flat: %s; fds flat: %s" % ("yes" if flat_rss else "NO", "yes" if flat_fd else "NO"))
import re
rounds = re.findall(r"soak: (\d+) responses, (\d+) unexpected statuses, socket errors connect (\d+) read (\d+) write (\d+) timeout (\d+)", wrk)
ok = bool(rounds) and all(int(r[1]) == 0 and sum(int(x) for x in r[2:]) == 0 for r in rounds)
print("responses: %d in %d rounds" % (sum(int(r[0]) for r in rounds), len(rounds)))
print("unexpected errors: %s" % ("none" if ok else "SOME (see wrk.txt)"))
sys.exit(0 if (flat_rss and flat_fd and ok) else 1)
PY
