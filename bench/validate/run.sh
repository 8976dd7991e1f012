#!/usr/bin/env bash
# bench/validate/run.sh - how long `mediac validate` takes on folders of 1,
# 100, 1,000 and 10,000 artifacts (one per file: a mix of sequences with
# expressions, filters and payloadFactory, proxies, APIs with resource
# templates, and connection local entries with connector calls using them).
# Uses hyperfine when installed, else the best of N runs timed with date.
# usage: bench/validate/run.sh [MEDIAC_BIN]   (default build/src/cli/mediac)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-${MEDIAC_BIN:-build/src/cli/mediac}}
export MEDIAC_CONNECTOR_PATH=${MEDIAC_CONNECTOR_PATH:-$PWD/connector}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
NS='xmlns="http://ws.apache.org/ns/synapse"'

gen() {  # $1 = folder, $2 = number of artifacts
  local dir=$1 n=$2 i
  mkdir -p "$dir"
  for ((i = 0; i < n; i++)); do
    case $((i % 4)) in
    0) cat >"$dir/a$i.xml" <<X
<localEntry $NS key="CONN_$i">
  <amazonlambda.init>
    <connectionType>amazonLambda</connectionType>
    <name>CONN_$i</name>
    <region>us-east-1</region>
  </amazonlambda.init>
</localEntry>
X
    ;;
    1) cat >"$dir/a$i.xml" <<X
<sequence $NS name="seq_$i" onError="seq_$((i - 1 < 0 ? 1 : i))">
  <property name="fn" expression="json-eval(\$.functionName)"/>
  <property name="n" expression="fn:concat(\$ctx:fn, '-', get-property('MESSAGE_ID'))"/>
  <filter source="\$ctx:fn" regex="[a-z][a-z0-9-]*">
    <then>
      <amazonlambda.invoke configKey="CONN_$((i - 1))">
        <functionName>{\$ctx:fn}</functionName>
        <payload>{json-eval(\$.payload)}</payload>
        <responseVariable>r$i</responseVariable>
      </amazonlambda.invoke>
    </then>
    <else>
      <payloadFactory media-type="json">
        <format>{"error": "bad name \$1"}</format>
        <args><arg expression="\$ctx:fn"/></args>
      </payloadFactory>
    </else>
  </filter>
  <log level="custom"><property name="fn" expression="\$ctx:fn"/></log>
</sequence>
X
    ;;
    2) cat >"$dir/a$i.xml" <<X
<proxy $NS name="proxy_$i" transports="http https">
  <target>
    <inSequence>
      <property name="memory" expression="json-eval(\$.memorySize)"/>
      <switch source="get-property('transport', 'Action')">
        <case regex="urn:get"><sequence key="seq_$((i - 1))"/></case>
        <default><drop/></default>
      </switch>
      <amazonlambda.createFunction configKey="CONN_$((i - 2))">
        <functionName>f$i</functionName>
        <role>arn:aws:iam::123456789012:role/r</role>
        <runtime>python3.12</runtime>
        <handler>index.handler</handler>
        <memorySize>256</memorySize>
        <responseVariable>c$i</responseVariable>
      </amazonlambda.createFunction>
      <respond/>
    </inSequence>
  </target>
</proxy>
X
    ;;
    3) cat >"$dir/a$i.xml" <<X
<api $NS name="api_$i" context="/api$i">
  <resource methods="GET" uri-template="/functions/{name}?qualifier={q}">
    <inSequence>
      <amazonlambda.getFunction configKey="CONN_$((i - 3))">
        <functionName>{\$ctx:uri.var.name}</functionName>
        <qualifier>{\$ctx:query.param.q}</qualifier>
        <responseVariable>g$i</responseVariable>
        <overwriteBody>true</overwriteBody>
      </amazonlambda.getFunction>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="POST DELETE" url-mapping="/admin/*">
    <inSequence><sequence key="seq_$((i - 2))"/><respond/></inSequence>
  </resource>
</api>
X
    ;;
    esac
  done
}

now_ns() { date +%s%N; }

time_ms() {  # best of $2 runs of validate on $1, in ms (3 decimals)
  local dir=$1 runs=$2 best= t0 t1 d r
  for ((r = 0; r < runs; r++)); do
    t0=$(now_ns)
    "$bin" validate "$dir" >/dev/null
    t1=$(now_ns)
    d=$((t1 - t0))
    if [ -z "$best" ] || [ "$d" -lt "$best" ]; then best=$d; fi
  done
  awk -v ns="$best" 'BEGIN { printf "%.1f", ns / 1e6 }'
}

printf '%-10s %-12s %-14s %s\n' artifacts "files (KB)" "validate (ms)" "per artifact (us)"
for n in 1 100 1000 10000; do
  dir="$tmp/n$n"
  gen "$dir" "$n"
  out=$("$bin" validate "$dir")
  [ "$(tail -1 <<<"$out")" = "0 errors, 0 warnings" ] || { echo "generated flows do not validate clean:"; echo "$out" | head; exit 1; }
  kb=$(du -sk "$dir" | cut -f1)
  runs=$(( n >= 10000 ? 3 : 10 ))
  if command -v hyperfine >/dev/null; then
    ms=$(hyperfine -N --warmup 1 --runs "$runs" --export-json "$tmp/h.json" "$bin validate $dir" >/dev/null &&
         python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["mean"] * 1000))' "$tmp/h.json")
  else
    ms=$(time_ms "$dir" "$runs")
  fi
  per=$(awk -v ms="$ms" -v n="$n" 'BEGIN { printf "%.1f", ms * 1000 / n }')
  printf '%-10s %-12s %-14s %s\n' "$n" "$kb" "$ms" "$per"
done
