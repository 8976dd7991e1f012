"""test_lambda_features.py - what the connector does beyond one request and
one JSON answer, through `mediac serve`:

- pagination (opt-in `paginate`): listFunctions and listVersionsByFunction
  follow NextMarker and merge the pages; `maxPages` stops early and keeps
  the marker (pages from the FAKE recording endpoint: moto 5.2.1 ignores
  MaxItems);
- InvokeWithResponseStream: the event-stream answer (AWS's binary framing)
  decoded: PayloadChunk bytes become the payload, InvokeComplete's members
  properties, an exception event an error (moto has no response streaming:
  the FAKE recording endpoint answers with real frames);
- binary payloads: `{base64Decode(...)}` whose bytes start with NUL is sent
  byte for byte, `payloadEncoding` base64 likewise, and a binary answer
  comes back to the caller as the same bytes (application/octet-stream).
"""
import base64
import json
import os
import struct
import tempfile
import unittest
import zlib

import lambda_env as le
from harness.recording_standin import json_answer

FLOW = """<definitions xmlns="http://ws.apache.org/ns/synapse">
<api name="Features" context="/features">
  <resource methods="POST" uri-template="/list"><inSequence>
    <amazonlambda.listFunctions>
      <maxItems>{json-eval($.maxItems)}</maxItems>
      <paginate>{json-eval($.paginate)}</paginate>
      <maxPages>{json-eval($.maxPages)}</maxPages>
    </amazonlambda.listFunctions><respond/>
  </inSequence></resource>
  <resource methods="POST" uri-template="/versions"><inSequence>
    <amazonlambda.listVersionsByFunction>
      <functionName>{json-eval($.functionName)}</functionName>
      <maxItems>1</maxItems><paginate>true</paginate>
    </amazonlambda.listVersionsByFunction><respond/>
  </inSequence></resource>
  <resource methods="POST" uri-template="/stream"><inSequence>
    <amazonlambda.invokeWithResponseStream>
      <functionName>streamer</functionName><payload>{"go":1}</payload>
    </amazonlambda.invokeWithResponseStream>
    <property name="Log-Result" expression="get-property('amazonlambda.logResult')"
              scope="transport"/>
    <property name="Error-Code" expression="get-property('amazonlambda.errorCode')"
              scope="transport"/>
    <respond/>
  </inSequence></resource>
  <resource methods="POST" uri-template="/raw"><inSequence>
    <amazonlambda.invoke><functionName>bin</functionName>
      <payload>{base64Decode($body)}</payload></amazonlambda.invoke><respond/>
  </inSequence></resource>
  <resource methods="POST" uri-template="/encoded"><inSequence>
    <amazonlambda.invoke><functionName>bin</functionName>
      <payload>{json-eval($.data)}</payload><payloadEncoding>base64</payloadEncoding>
    </amazonlambda.invoke><respond/>
  </inSequence></resource>
</api></definitions>"""


def event(headers, payload):
    h = b""
    for k, v in headers:
        h += bytes([len(k)]) + k.encode() + b"\x07" + struct.pack(">H", len(v)) + v.encode()
    total = 12 + len(h) + len(payload) + 4
    pre = struct.pack(">II", total, len(h))
    pre += struct.pack(">I", zlib.crc32(pre))
    m = pre + h + payload
    return m + struct.pack(">I", zlib.crc32(m))


def chunk(data):
    return event([(":message-type", "event"), (":event-type", "PayloadChunk"),
                  (":content-type", "application/octet-stream")], data)


def start_features(cls, answer):
    """The flow above on `mediac serve` in front of the FAKE recording
    endpoint answering with answer(rec)."""
    le.require_tools()
    cls.endpoint = le.recorder(answer=answer).start()
    cls.dir = tempfile.mkdtemp(prefix="mediac-features-")
    with open(os.path.join(cls.dir, "features.xml"), "w") as f:
        f.write(FLOW)
    cls.serve = le.Serve([cls.dir], le.clean_env(le.chain_env(cls.endpoint.url)))


def stop_features(cls):
    le.stop_all([cls.serve])
    cls.endpoint.stop()


class PaginationTest(unittest.TestCase):
    """Pages from the FAKE recording endpoint: moto 5.2.1 ignores MaxItems
    and never answers a NextMarker, so it cannot show paging."""

    PAGES = {None: (["page-0"], "m1"), "m1": (["page-1"], "m2"), "m2": (["page-2"], None)}

    @classmethod
    def setUpClass(cls):
        start_features(cls, cls.page)

    @classmethod
    def tearDownClass(cls):
        stop_features(cls)

    @classmethod
    def page(cls, rec):
        marker = dict(rec.query_params).get("Marker")
        names, nxt = cls.PAGES[marker]
        key = "Versions" if "/versions" in rec.path else "Functions"
        body = {key: [{"FunctionName": n, "Version": str(i)} for i, n in enumerate(names)]}
        if nxt:
            body["NextMarker"] = nxt
        return json_answer(200, json.dumps(body))

    def test_pages_merged(self):
        self.endpoint.clear()
        r = self.serve.post("/features/list", {"maxItems": 1, "paginate": "true"})
        self.assertEqual(r.status, 200, r.body)
        body = r.json()
        self.assertEqual([f["FunctionName"] for f in body["Functions"]],
                         ["page-0", "page-1", "page-2"])
        self.assertNotIn("NextMarker", body)
        recs = self.endpoint.records
        self.assertEqual(len(recs), 3)
        self.assertTrue(all(x.signature_ok for x in recs))
        self.assertEqual([dict(x.query_params).get("Marker") for x in recs], [None, "m1", "m2"])
        self.assertTrue(all(("MaxItems", "1") in x.query_params for x in recs))

    def test_max_pages_keeps_the_marker(self):
        r = self.serve.post("/features/list", {"maxItems": 1, "paginate": "true",
                                               "maxPages": 2})
        body = r.json()
        self.assertEqual(len(body["Functions"]), 2)
        self.assertEqual(body["NextMarker"], "m2")
        # without paginate: the one page, as the service answers it
        self.endpoint.clear()
        r = self.serve.post("/features/list", {"maxItems": 1})
        self.assertEqual(r.json(), {"Functions": [{"FunctionName": "page-0", "Version": "0"}],
                                    "NextMarker": "m1"})
        self.assertEqual(len(self.endpoint.records), 1)

    def test_another_list_operation(self):
        self.endpoint.clear()
        r = self.serve.post("/features/versions", {"functionName": "page-0"})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(len(r.json()["Versions"]), 3)
        self.assertTrue(all(x.path == "/2015-03-31/functions/page-0/versions"
                            for x in self.endpoint.records))


class StreamAndBinaryTest(unittest.TestCase):
    """Against the FAKE recording endpoint, answering as scripted."""

    @classmethod
    def setUpClass(cls):
        cls.answer = None
        start_features(cls, lambda rec: cls.answer)

    @classmethod
    def tearDownClass(cls):
        stop_features(cls)

    def test_response_stream_decoded(self):
        body = chunk(b'{"answer":') + chunk(b' 42}') + event(
            [(":message-type", "event"), (":event-type", "InvokeComplete")],
            json.dumps({"ErrorCode": "", "LogResult": base64.b64encode(b"log tail").decode()})
            .encode())
        type(self).answer = (200, [("Content-Type", "application/vnd.amazon.eventstream"),
                                   ("X-Amz-Executed-Version", "$LATEST")], body)
        self.endpoint.clear()
        r = self.serve.post("/features/stream", {})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json(), {"answer": 42})
        self.assertEqual(r.header("Log-Result"), "log tail")
        rec = self.endpoint.records[0]
        self.assertEqual(rec.path, "/2021-11-15/functions/streamer/response-streaming-invocations")
        self.assertEqual(rec.body, b'{"go":1}')

    def test_response_stream_exception(self):
        body = chunk(b"partial") + event(
            [(":message-type", "exception"), (":exception-type", "ResourceNotFoundException")],
            b'{"message":"gone"}')
        type(self).answer = (200, [("Content-Type", "application/vnd.amazon.eventstream")],
                             body)
        r = self.serve.post("/features/stream", {})
        self.assertEqual(r.status, 502, r.body)
        self.assertEqual(r.json()["__type"], "ResourceNotFoundException")

    def test_response_stream_bad_frame(self):
        bad = bytearray(chunk(b"x"))
        bad[-1] ^= 0xFF                      # message CRC wrong
        type(self).answer = (200, [("Content-Type", "application/vnd.amazon.eventstream")],
                             bytes(bad))
        r = self.serve.post("/features/stream", {})
        self.assertEqual(r.status, 502, r.body)
        self.assertIn("CRC", r.json()["message"])

    def test_raw_bytes_sent_and_binary_answer_kept(self):
        data = b"\x00\x01\x02binary\xff\xfe"
        type(self).answer = (200, [("Content-Type", "application/octet-stream")],
                             b"\x89PNG\x00\x00raw answer\xff")
        self.endpoint.clear()
        r = self.serve.post("/features/raw", base64.b64encode(data).decode(),
                            {"Content-Type": "text/plain"})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.endpoint.records[0].body, data)
        self.assertIsNone(self.endpoint.records[0].header("Content-Type"))
        self.assertEqual(r.body, b"\x89PNG\x00\x00raw answer\xff")
        self.assertEqual(r.header("Content-Type"), "application/octet-stream")

    def test_payload_encoding_base64(self):
        data = b"\x00starts with NUL"
        type(self).answer = json_answer(200, b'{"ok":true}')
        self.endpoint.clear()
        r = self.serve.post("/features/encoded", {"data": base64.b64encode(data).decode()})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.endpoint.records[0].body, data)
        r = self.serve.post("/features/encoded", {"data": "not base64!"})
        self.assertEqual(r.status, 400, r.body)
        self.assertIn("not valid base64", r.json()["error"])


if __name__ == "__main__":
    unittest.main()
