// sign.mjs - the JavaScript peer of the signing benchmark (bench/run):
// signatures per second of @smithy/signature-v4 (the signer of the AWS SDK
// for JavaScript v3, with @smithy/hash-node as the SDK uses in Node) on the
// same Lambda Invoke request that bench_sign and botocore_sign.py sign:
// same path, query, headers, session token, time, and a 256-byte body
// hashed on every call.  The three signatures must agree.
//
// Usage: node sign.mjs [SECONDS]
import { SignatureV4 } from "@smithy/signature-v4";
import { HttpRequest } from "@smithy/protocol-http";
import { Hash } from "@smithy/hash-node";

const seconds = Number(process.argv[2] || 2);
const body = Buffer.alloc(256, " ");
Buffer.from('{"orderId":"A-1029","items":[1,2,3],"note":"').copy(body, 0);
body.write('"}', 254);
const signer = new SignatureV4({
  service: "lambda",
  region: "us-east-1",
  sha256: Hash.bind(null, "sha256"),
  // botocore and mediac do not sign X-Amz-Content-Sha256 for Lambda; leave
  // it out here too so that all three sign the same canonical request.
  applyChecksum: false,
  credentials: {
    accessKeyId: "ASIAEXAMPLEKEYID0001",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    sessionToken: "FwoGZXIvYXdzEBYaDExampleSessionTokenValue0123456789",
  },
});
const when = new Date(1700000000 * 1000);
const request = () => new HttpRequest({
  method: "POST",
  protocol: "https:",
  hostname: "lambda.us-east-1.amazonaws.com",
  path: "/2015-03-31/functions/order-handler%3Aprod/invocations",
  query: { Qualifier: "prod" },
  headers: {
    host: "lambda.us-east-1.amazonaws.com",
    "content-type": "application/json",
    "x-amz-invocation-type": "RequestResponse",
    "x-amz-log-type": "None",
  },
  body,
});

let signed;
for (let i = 0; i < 200; i++) signed = await signer.sign(request(), { signingDate: when });
let n = 0;
const t0 = process.hrtime.bigint();
let t;
do {
  for (let i = 0; i < 200; i++) signed = await signer.sign(request(), { signingDate: when });
  n += 200;
  t = Number(process.hrtime.bigint() - t0) / 1e9;
} while (t < seconds);
const rate = n / t;
console.log(`smithy signatures/s: ${rate.toFixed(0)}`);
console.log(`smithy ns/signature: ${(1e9 / rate).toFixed(0)}`);
console.log(`signature: ${signed.headers.authorization.split("Signature=")[1]}`);
