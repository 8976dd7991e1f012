#!/usr/bin/env bash
# run.sh - SigV4 signing throughput: mediac's signer against botocore's
# SigV4Auth on the same request, in the same run, and the ratio.
#
# Usage: bench/sign/run.sh [BUILD_DIR] [SECONDS]
#   BUILD_DIR defaults to ./build; bench_sign is built there if needed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
secs=${2:-2}
exe=$build/tests/unit/aws/bench_sign
ninja -C "$build" tests/unit/aws/bench_sign >/dev/null
c_out=$("$exe" "$secs")
py_out=$(python3 "$here/botocore_sign.py" "$secs")
echo "$c_out"
echo "$py_out"
c_sig=$(sed -n 's/^signature: //p' <<<"$c_out")
py_sig=$(sed -n 's/^signature: //p' <<<"$py_out")
if [ "$c_sig" != "$py_sig" ]; then
  echo "ERROR: the two signers disagree on the benchmark request" >&2
  exit 1
fi
c_rate=$(sed -n 's/^mediac signatures\/s: //p' <<<"$c_out")
py_rate=$(sed -n 's/^botocore signatures\/s: //p' <<<"$py_out")
python3 -c "import sys; print('ratio mediac/botocore: %.1fx' % (float(sys.argv[1]) / float(sys.argv[2])))" "$c_rate" "$py_rate"
