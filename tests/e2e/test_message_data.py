"""test_message_data.py - message data never changes the shape of what is
sent (issue 11 section 1, DESIGN principle 7), end to end through
`mediac serve` against recording upstreams:

- the FAKE Lambda stand-in (harness.lambda_standin: not AWS, not moto; it
  re-checks every signature with botocore's signer and records the request
  exactly as received) for connector operations: a path value that is "."
  or ".." stays one segment in the signed and in the sent path; a NUL in a
  value is percent-encoded in paths and queries, kept in bodies and
  refused in headers (400, nothing sent), and so are CR and LF;
- a plain recording upstream for <call> and <send> to <http uri-template> endpoints:
  uri.var values from the request path ("%2e%2e", "%00") stay one segment;
  headers set from message data with NUL, CR or LF are refused;
- REST_URL_POSTFIX (what an address endpoint gets appended): dot segments
  of the request path, plain or percent-encoded, are resolved inside it,
  so it can never climb above the endpoint's path; the same when a flow
  sets it from message data (bytes that cannot stand in a URL encoded);
- HTTP_METHOD and a To address from message data that cannot stand in a
  request line are refused (500, nothing sent, the endpoint not
  suspended); an answer header with CR, LF or NUL is a 500;
- HTTP_SC set from message data: a status from 200 to 599 is the answer's,
  anything else (100, 1000, "abc") a 500 JSON error and a log line, never
  a 1xx final answer or an empty reply;
- request bodies that are not strict UTF-8 (overlong C0 AF, a lone
  surrogate escape) get 400 with the JSON error and nothing is sent.
Each request is checked on the wire: the recorded request-target, query,
headers and body bytes."""
import json
import os
import tempfile
import unittest

import lambda_env as le
import mc
from harness.lambda_standin import LambdaStandIn
from harness.sigcheck_proxy import LoopbackHTTPServer, RequestLog, RecordedRequest
from serve_helpers import Server

FLOWS = """<definitions xmlns="http://ws.apache.org/ns/synapse">
  <localEntry key="CONN">
    <amazonlambda.init>
      <name>CONN</name>
      <accessKeyId>%(key)s</accessKeyId>
      <secretAccessKey>%(secret)s</secretAccessKey>
      <region>us-east-1</region>
      <endpoint>STANDIN</endpoint>
    </amazonlambda.init>
  </localEntry>
  <proxy name="Postfix">
    <target><inSequence>
      <payloadFactory media-type="json"><format>{"postfix":"$1"}</format>
        <args><arg expression="get-property('axis2','REST_URL_POSTFIX')"/></args>
      </payloadFactory>
      <respond/>
    </inSequence></target>
  </proxy>
  <api name="Data" context="/data">
    <resource methods="POST" uri-template="/getFunction">
      <inSequence>
        <property name="fn" expression="json-eval($.functionName)"/>
        <amazonlambda.getFunction configKey="CONN" responseVariable="r" overwriteBody="true">
          <functionName>{$ctx:fn}</functionName>
        </amazonlambda.getFunction>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/deleteAlias">
      <inSequence>
        <property name="fn" expression="json-eval($.functionName)"/>
        <property name="alias" expression="json-eval($.aliasName)"/>
        <amazonlambda.deleteAlias configKey="CONN" responseVariable="r" overwriteBody="true">
          <functionName>{$ctx:fn}</functionName>
          <aliasName>{$ctx:alias}</aliasName>
        </amazonlambda.deleteAlias>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/invoke">
      <inSequence>
        <property name="fn" expression="json-eval($.functionName)"/>
        <property name="qualifier" expression="json-eval($.qualifier)"/>
        <property name="logType" expression="json-eval($.logType)"/>
        <amazonlambda.invoke configKey="CONN" responseVariable="r" overwriteBody="true">
          <functionName>{$ctx:fn}</functionName>
          <qualifier>{$ctx:qualifier}</qualifier>
          <x-amz-log-type>{$ctx:logType}</x-amz-log-type>
          <payload>{json-eval($.event)}</payload>
        </amazonlambda.invoke>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/tenant">
      <inSequence>
        <property name="t" expression="json-eval($.t)"/>
        <amazonlambda.deleteFunction configKey="CONN" responseVariable="r" overwriteBody="true">
          <functionName>tenant-{$ctx:t}-worker</functionName>
        </amazonlambda.deleteFunction>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="GET" uri-template="/items/{id}">
      <inSequence>
        <call><endpoint><http method="GET" uri-template="UPSTREAM/items/{uri.var.id}/x"/></endpoint></call>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="GET" uri-template="/sent/{id}">
      <inSequence>
        <send><endpoint><http method="GET" uri-template="UPSTREAM/sent/{uri.var.id}/x"/></endpoint></send>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/header">
      <inSequence>
        <header name="X-Data" scope="transport" expression="json-eval($.h)"/>
        <call><endpoint><http method="POST" uri-template="UPSTREAM/header"/></endpoint></call>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/property">
      <inSequence>
        <property name="X-Data" scope="transport" expression="json-eval($.h)"/>
        <call><endpoint><http method="POST" uri-template="UPSTREAM/property"/></endpoint></call>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/method">
      <inSequence>
        <property name="HTTP_METHOD" scope="axis2" expression="json-eval($.m)"/>
        <call><endpoint><http uri-template="UPSTREAM/method"/></endpoint></call>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/postfix">
      <inSequence>
        <property name="REST_URL_POSTFIX" scope="axis2" expression="json-eval($.p)"/>
        <call><endpoint><address uri="UPSTREAM/base"/></endpoint></call>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/to">
      <inSequence>
        <header name="To" expression="json-eval($.to)"/>
        <call><endpoint><default/></endpoint></call>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/answerheader">
      <inSequence>
        <property name="Location" scope="transport" expression="json-eval($.h)"/>
        <payloadFactory media-type="json"><format>{"ok":true}</format><args/></payloadFactory>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/status">
      <inSequence>
        <property name="HTTP_SC" expression="json-eval($.sc)" scope="axis2"/>
        <payloadFactory media-type="json"><format>{"ok":true}</format><args/></payloadFactory>
        <respond/>
      </inSequence>
    </resource>
  </api>
</definitions>
"""


class Recorder:
    """A plain recording upstream: every request as received, answered 200
    with a small JSON body."""

    def __init__(self):
        self.log = RequestLog()
        self.server = LoopbackHTTPServer(self)

    def handle(self, handler, method, target, headers, body):
        path, _, query = target.partition("?")
        self.log.add(RecordedRequest(method=method, target=target, path=path, query=query,
                                     headers=list(headers), body=body))
        handler.send_answer(200, [("Content-Type", "application/json")], b'{"ok":true}')


class MessageDataTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        le.require_tools()
        cls.standin = LambdaStandIn({le.ACCESS_KEY: le.SECRET_KEY},
                                    functions=("echo", "edge-fn")).start()
        cls.recorder = Recorder()
        cls.recorder.server.start()
        cls.dir = tempfile.mkdtemp(prefix="mediac-data-")
        flows = FLOWS % {"key": le.ACCESS_KEY, "secret": le.SECRET_KEY}
        flows = flows.replace("STANDIN", cls.standin.url)
        flows = flows.replace("UPSTREAM", cls.recorder.server.url)
        path = os.path.join(cls.dir, "data.xml")
        with open(path, "w") as f:
            f.write(flows)
        cls.srv = Server([path], "--workers", "1", env={"HOME": cls.dir})

    @classmethod
    def tearDownClass(cls):
        srv = getattr(cls, "srv", None)
        if srv:
            srv.stop()
            srv.close()
        if getattr(cls, "standin", None):
            cls.standin.stop()
        if getattr(cls, "recorder", None):
            cls.recorder.server.stop()

    # -- helpers ---------------------------------------------------------------

    def post(self, resource, body, raw=False):
        data = body if raw else json.dumps(body)
        return self.srv.request("POST", "/data/" + resource, data,
                                {"Content-Type": "application/json"})

    def sent(self, resource, body, raw=False):
        """POST and return the one request the stand-in received for it."""
        before = len(self.standin.log)
        r = self.post(resource, body, raw)
        records = self.standin.records[before:]
        self.assertEqual(len(records), 1, "one request expected, answer %d %r"
                         % (r.status, r.body))
        rec = records[0]
        self.assertTrue(rec.signature_ok, rec.message)
        return rec

    def refused(self, resource, body, raw=False, log=None):
        """POST; nothing may reach the upstream; the answer is returned."""
        log = log or self.standin.log
        before = len(log)
        r = self.post(resource, body, raw)
        self.assertEqual(len(log), before, "a request was sent: %r" % (log.all()[before:],))
        return r

    # -- dot segments ------------------------------------------------------------

    def test_dot_function_name_stays_one_segment(self):
        rec = self.sent("getFunction", {"functionName": "."})
        self.assertEqual(rec.target, "/2015-03-31/functions/%2E")

    def test_dotdot_alias_name_stays_one_segment(self):
        rec = self.sent("deleteAlias", {"functionName": "edge-fn", "aliasName": ".."})
        self.assertEqual(rec.method, "DELETE")
        self.assertEqual(rec.target, "/2015-03-31/functions/edge-fn/aliases/%2E%2E")

    def test_dotdot_invoke_stays_one_segment(self):
        rec = self.sent("invoke", {"functionName": "..", "event": {"a": 1}})
        self.assertEqual(rec.path, "/2015-03-31/functions/%2E%2E/invocations")
        self.assertEqual(rec.body, b'{"a":1}')

    def test_dots_inside_a_name_are_plain(self):
        rec = self.sent("getFunction", {"functionName": "a..b"})
        self.assertEqual(rec.target, "/2015-03-31/functions/a..b")

    # -- NUL: lengths everywhere ---------------------------------------------------

    def test_nul_in_function_name_is_encoded(self):
        rec = self.sent("invoke", {"functionName": "edge-fn\u0000../other", "event": {}})
        self.assertEqual(rec.path, "/2015-03-31/functions/edge-fn%00..%2Fother/invocations")

    def test_nul_in_query_is_encoded(self):
        rec = self.sent("invoke", {"functionName": "echo", "qualifier": "a\u0000b",
                                   "event": {}})
        self.assertEqual(rec.query, "Qualifier=a%00b")

    def test_nul_in_body_is_kept(self):
        rec = self.sent("invoke", {"functionName": "echo", "event": {"s": "a\u0000b"}})
        self.assertEqual(rec.body, b'{"s":"a\\u0000b"}')
        self.assertEqual(json.loads(rec.body)["s"], "a\u0000b")

    def test_nul_in_template_is_encoded(self):
        rec = self.sent("tenant", {"t": "a\u0000"})
        self.assertEqual(rec.method, "DELETE")
        self.assertEqual(rec.target, "/2015-03-31/functions/tenant-a%00-worker")

    def test_control_characters_in_header_refused(self):
        for value in ("Tail\u0000x", "Tail\r\nX-Evil: 1", "Tail\nx", "Tail\rx"):
            r = self.refused("invoke", {"functionName": "echo", "logType": value,
                                        "event": {}})
            self.assertEqual(r.status, 400, value)
            self.assertIn("x-amz-log-type", r.json()["error"], value)

    # -- invalid UTF-8 -----------------------------------------------------------------

    def test_invalid_utf8_body_400_nothing_sent(self):
        bodies = [b'{"functionName":"echo","event":{"s":"\xc0\xaf"}}',
                  b'{"functionName":"echo","event":{"s":"\\udc00"}}',
                  b'{"functionName":"echo","event":{"s":"\\ud800"}}',
                  b'{"functionName":"echo","event":{"s":"\xed\xa0\x80"}}']
        for body in bodies:
            r = self.refused("invoke", body, raw=True)
            self.assertEqual(r.status, 400, body)
            self.assertEqual(r.header("Content-Type").split(";")[0], "application/json")
            err = r.json()
            self.assertEqual(err["ERROR_CODE"], "400", body)
            self.assertTrue("UTF-8" in err["ERROR_MESSAGE"] or
                            "surrogate" in err["ERROR_MESSAGE"], err)

    # -- <call> to uri-template endpoints ----------------------------------------------

    def call_target(self, path, resource="items"):
        before = len(self.recorder.log)
        r = self.srv.request("GET", "/data/%s/%s" % (resource, path))
        recs = self.recorder.log.all()[before:]
        self.assertEqual(len(recs), 1, "answer %d %r" % (r.status, r.body))
        return recs[0].target

    def test_call_dot_segments_stay_one_segment(self):
        self.assertEqual(self.call_target("%2e%2e"), "/items/%2E%2E/x")
        self.assertEqual(self.call_target("%2E"), "/items/%2E/x")
        self.assertEqual(self.call_target("a%2Fb"), "/items/a%2Fb/x")

    def test_send_dot_segments_stay_one_segment(self):
        self.assertEqual(self.call_target("%2e%2e", "sent"), "/sent/%2E%2E/x")
        self.assertEqual(self.call_target(".%2E", "sent"), "/sent/%2E%2E/x")
        self.assertEqual(self.call_target("%2e", "sent"), "/sent/%2E/x")
        self.assertEqual(self.call_target("a%00b", "sent"), "/sent/a%00b/x")

    def test_call_nul_is_encoded(self):
        self.assertEqual(self.call_target("a%00b"), "/items/a%00b/x")

    def test_call_header_control_characters_refused(self):
        for resource in ("header", "property"):
            for value in ("a\u0000b", "a\r\nX-Evil: 1", "a\nb"):
                r = self.refused(resource, {"h": value}, log=self.recorder.log)
                self.assertEqual(r.status, 500, (resource, value))
                self.assertIn("X-Data", r.json()["ERROR_MESSAGE"], (resource, value))
        # a clean value goes through
        before = len(self.recorder.log)
        self.post("header", {"h": "fine value"})
        self.assertEqual(self.recorder.log.all()[before].header("X-Data"), "fine value")


    # -- method, URL and answer headers from message data ----------------------------------

    def upstream_request(self, resource, body):
        """POST; the one request the recording upstream got for it."""
        before = len(self.recorder.log)
        r = self.post(resource, body)
        recs = self.recorder.log.all()[before:]
        self.assertEqual(len(recs), 1, "answer %d %r" % (r.status, r.body))
        return recs[0]

    def test_http_method_from_message_refused_endpoint_not_blamed(self):
        for method in ("GET /evil HTTP/1.1\r\nX: y", "G ET", "GET\u0000", "(GET)"):
            r = self.refused("method", {"m": method}, log=self.recorder.log)
            self.assertEqual(r.status, 500, method)
            self.assertIn("HTTP_METHOD", r.json()["ERROR_MESSAGE"], method)
        # the endpoint was not suspended for what the messages carried
        rec = self.upstream_request("method", {"m": "DELETE"})
        self.assertEqual((rec.method, rec.target), ("DELETE", "/method"))

    def test_rest_url_postfix_from_message_stays_below_the_address(self):
        cases = {"/../../etc": "/base/etc",
                 "/a/%2e%2e/%2E%2E/admin": "/base/admin",
                 "/a b\r\nX-Evil: 1": "/base/a%20b%0D%0AX-Evil:%201",
                 "/x\u0000y": "/base/x%00y",
                 "/ok?q=1": "/base/ok?q=1"}
        for postfix, want in cases.items():
            rec = self.upstream_request("postfix", {"p": postfix})
            self.assertEqual(rec.target, want, postfix)
            self.assertIsNone(rec.header("X-Evil"), postfix)

    def test_to_address_with_control_characters_refused_endpoint_not_blamed(self):
        base = self.recorder.server.url
        for to in (base + "/to\r\nX-Evil: 1", base + "/t o", base + "/to\u0000x"):
            r = self.refused("to", {"to": to}, log=self.recorder.log)
            self.assertEqual(r.status, 500, to)
            msg = r.json()["ERROR_MESSAGE"]   # <header> refuses CR, LF, NUL itself
            self.assertTrue("URL" in msg or "'To'" in msg, (to, msg))
        rec = self.upstream_request("to", {"to": base + "/t"})
        self.assertEqual(rec.target, "/t/to")   # the address + REST_URL_POSTFIX, as MI

    def test_answer_header_control_characters_refused(self):
        for value in ("/x\r\nSet-Cookie: evil=1", "/a\u0000b", "/a\nb"):
            r = self.post("answerheader", {"h": value})
            self.assertEqual(r.status, 500, value)
            self.assertIsNone(r.header("Location"), value)
            self.assertIsNone(r.header("Set-Cookie"), value)
            self.assertIn("Location", r.json()["ERROR_MESSAGE"], value)
        self.assertIn("transport header 'Location' holds a control character", self.srv.log())
        r = self.post("answerheader", {"h": "/fine\tvalue"})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Location"), "/fine\tvalue")

    # -- REST_URL_POSTFIX ------------------------------------------------------------------

    def test_rest_url_postfix_never_climbs(self):
        cases = {"/services/Postfix/a/b?x=1": "/a/b?x=1",
                 "/services/Postfix/../admin": "/admin",
                 "/services/Postfix/a/../../../admin": "/admin",
                 "/services/Postfix/%2e%2e/%2E%2E/admin?q=%26": "/admin?q=%26",
                 "/services/Postfix/a/.%2e/b/": "/b/",
                 "/services/Postfix/x%2F..%2Fy": "/x%2F..%2Fy"}
        for path, want in cases.items():
            r = self.srv.request("GET", path)
            self.assertEqual(r.status, 200, path)
            self.assertEqual(r.json()["postfix"], want, path)

    # -- HTTP_SC -------------------------------------------------------------------------

    def test_http_sc_outside_200_599_is_a_500(self):
        for sc in ("100", "101", "199", "1000", "600", "0", "-200", "abc", "2OO", "", "20"):
            r = self.post("status", {"sc": sc})
            self.assertEqual(r.status, 500, sc)
            self.assertEqual(r.header("Content-Type").split(";")[0], "application/json", sc)
            self.assertEqual(r.json()["ERROR_CODE"], "500", sc)
            self.assertIn("HTTP_SC", r.json()["ERROR_MESSAGE"], sc)
        self.assertIn("HTTP_SC '1000' is not a status from 200 to 599", self.srv.log())
        for sc, want in (("201", 201), ("404", 404), ("599", 599), (" 202 ", 202)):
            r = self.post("status", {"sc": sc})
            self.assertEqual(r.status, want, sc)
            if want != 202:
                self.assertEqual(r.json(), {"ok": True})


if __name__ == "__main__":
    unittest.main()
