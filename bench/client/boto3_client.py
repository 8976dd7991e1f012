"""boto3 peer of the client benchmark (bench/run): the same Lambda invoke
calls that bench_host makes, with boto3's Lambda client against the same
stand-in, sequential or with THREADS threads sharing one client (boto3
clients are thread-safe; the connection pool is sized to THREADS).

Usage: python3 boto3_client.py ENDPOINT THREADS CALLS
Prints one line of key=value pairs; CPU time is this process's user +
system time over the timed calls only (getrusage), as in bench_host.
"""
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

EVENT = b'{"hello":"bench","n":42}'


def cpu_seconds():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def main():
    endpoint, threads, calls = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    client = boto3.client(
        "lambda", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="AKIDBENCH", aws_secret_access_key="bench-secret",
        config=Config(max_pool_connections=max(threads, 10),
                      retries={"max_attempts": 1}))

    def invoke(_):
        r = client.invoke(FunctionName="bench-fn", Payload=EVENT)
        body = r["Payload"].read()
        return r["StatusCode"] == 200 and body == b'{"ok":true}'

    if not invoke(0):
        sys.exit("boto3_client: warm-up call failed")
    c0, t0 = cpu_seconds(), time.perf_counter()
    if threads == 1:
        ok = sum(1 for i in range(calls) if invoke(i))
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            ok = sum(1 for r in pool.map(invoke, range(calls)) if r)
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    print("client=boto3 threads=%d calls=%d errors=%d seconds=%.4f calls_per_s=%.1f "
          "cpu_s_per_1000=%.4f" % (threads, calls, calls - ok, wall, calls / wall,
                                   cpu * 1000.0 / calls))
    sys.exit(0 if ok == calls else 1)


if __name__ == "__main__":
    main()
