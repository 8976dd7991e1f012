// client.mjs - the AWS SDK for JavaScript v3 peer of the client benchmark
// (bench/run): the same Lambda invoke calls that bench_host makes, with
// @aws-sdk/client-lambda against the same stand-in, keeping CONCURRENCY
// calls in flight (1 = sequential) over a keep-alive agent.
//
// Usage: node client.mjs ENDPOINT CONCURRENCY CALLS
// Prints one line of key=value pairs; CPU time is process.cpuUsage() (user
// + system) over the timed calls only, as in bench_host.
import http from "node:http";
import { LambdaClient, InvokeCommand } from "@aws-sdk/client-lambda";
import { NodeHttpHandler } from "@smithy/node-http-handler";

const [endpoint, concArg, callsArg] = process.argv.slice(2);
const concurrency = Number(concArg);
const calls = Number(callsArg);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const client = new LambdaClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "AKIDBENCH", secretAccessKey: "bench-secret" },
  maxAttempts: 1,
  requestHandler: new NodeHttpHandler({ httpAgent: agent }),
});
const event = new TextEncoder().encode('{"hello":"bench","n":42}');
const decoder = new TextDecoder();

async function invoke() {
  const r = await client.send(new InvokeCommand({ FunctionName: "bench-fn", Payload: event }));
  return r.StatusCode === 200 && decoder.decode(r.Payload) === '{"ok":true}';
}

if (!(await invoke())) {
  console.error("client.mjs: warm-up call failed");
  process.exit(1);
}
let ok = 0;
let next = 0;
async function lane() {
  while (next < calls) {
    next++;
    if (await invoke()) ok++;
  }
}
const c0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
await Promise.all(Array.from({ length: concurrency }, lane));
const wall = Number(process.hrtime.bigint() - t0) / 1e9;
const c = process.cpuUsage(c0);
const cpu = (c.user + c.system) / 1e6;
console.log(`client=js-sdk threads=${concurrency} calls=${calls} errors=${calls - ok} ` +
  `seconds=${wall.toFixed(4)} calls_per_s=${(calls / wall).toFixed(1)} ` +
  `cpu_s_per_1000=${(cpu * 1000 / calls).toFixed(4)}`);
agent.destroy();
process.exit(ok === calls ? 0 : 1);
