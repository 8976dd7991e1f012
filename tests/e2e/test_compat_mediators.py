"""test_compat_mediators.py - issue 12's leftovers through `mediac serve`:
<conditionalRouter> (shape of MI's ConditionalRouterIntegrationTestProxy and
ConRoutingWithContinueAfter* artifacts), <router> (MI's mediatorconfig/router
artifacts), <throttle> without a policy (the request accepted, the
`<throttle id="A"/>` of an outSequence passing the answer), a proxy's To
set to the request URI as MI's ServerWorker sets it, and the
ContentType/HTTP_METHOD properties.  Synapse's source is the oracle
(docs/compatibility.md cites each class)."""
import os
import shutil
import tempfile
import unittest

import mc
from serve_helpers import Server
from recording_upstream import Recorder

FLOWS = """<definitions xmlns="http://ws.apache.org/ns/synapse">
  <sequence name="toA">
    <call><endpoint><http method="post" uri-template="http://127.0.0.1:UP/a"/></endpoint></call>
    <respond/>
  </sequence>
  <sequence name="toB">
    <call><endpoint><http method="post" uri-template="http://127.0.0.1:UP/b"/></endpoint></call>
    <respond/>
  </sequence>
  <proxy name="CondProxy" transports="http">
    <target>
      <inSequence>
        <conditionalRouter continueAfter="false">
          <conditionalRoute breakRoute="false">
            <condition><match xmlns="" type="header" source="foo" regex="bar.*"/></condition>
            <target sequence="toA"/>
          </conditionalRoute>
          <conditionalRoute>
            <condition><match type="url" regex="/services/CondProxy.*"/></condition>
            <target sequence="toB"/>
          </conditionalRoute>
        </conditionalRouter>
        <payloadFactory media-type="json"><format>{"reached":"after"}</format><args/></payloadFactory>
        <respond/>
      </inSequence>
    </target>
  </proxy>
  <proxy name="CondParam" transports="http">
    <target>
      <inSequence>
        <conditionalRouter continueAfter="true">
          <conditionalRoute>
            <condition><and><equal type="param" source="q" value="one"/>
              <not><equal type="property" source="skip" value="yes"/></not></and></condition>
            <target><sequence><property name="route" value="one"/></sequence></target>
          </conditionalRoute>
        </conditionalRouter>
        <payloadFactory media-type="json">
          <format>{"route":"$1"}</format>
          <args><arg expression="get-property('route')"/></args>
        </payloadFactory>
        <respond/>
      </inSequence>
    </target>
  </proxy>
  <api name="Router" context="/router">
    <resource methods="POST" uri-template="/quote">
      <inSequence>
        <router>
          <route xmlns:m0="http://services.samples" expression="//m0:getQuote/m0:request/m0:symbol" match="WSO2">
            <target sequence="toA"/>
          </route>
          <route xmlns:m0="http://services.samples" expression="//m0:getQuote/m0:request/m0:symbol" match="IBM">
            <target sequence="toB"/>
          </route>
        </router>
        <payloadFactory media-type="json"><format>{"routed":false}</format><args/></payloadFactory>
        <respond/>
      </inSequence>
    </resource>
  </api>
  <proxy name="ThrottleProxy" transports="http">
    <target>
      <inSequence>
        <throttle id="A">
          <onAccept><property name="verdict" value="accepted"/></onAccept>
          <onReject><drop/></onReject>
        </throttle>
        <property name="v" expression="get-property('verdict')" scope="transport"/>
        <send><endpoint><address uri="http://127.0.0.1:UP/throttled"/></endpoint></send>
      </inSequence>
      <outSequence>
        <throttle id="A"/>
        <send/>
      </outSequence>
    </target>
  </proxy>
  <proxy name="ToProxy" transports="http">
    <target>
      <inSequence>
        <log level="full"/>
        <payloadFactory media-type="json">
          <format>{"to":"$1"}</format>
          <args><arg expression="get-property('To')"/></args>
        </payloadFactory>
        <respond/>
      </inSequence>
    </target>
  </proxy>
  <api name="Props" context="/props">
    <resource methods="POST" uri-template="/ctype">
      <inSequence>
        <property name="ContentType" expression="json-eval($.t)" scope="axis2"/>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/mtype">
      <inSequence>
        <property name="messageType" expression="json-eval($.t)" scope="axis2"/>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/call-method">
      <inSequence>
        <property name="HTTP_METHOD" expression="json-eval($.m)" scope="axis2"/>
        <call><endpoint><address uri="http://127.0.0.1:UP/called"/></endpoint></call>
        <respond/>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/send-method">
      <inSequence>
        <property name="HTTP_METHOD" value="PUT" scope="axis2"/>
        <send><endpoint><address uri="http://127.0.0.1:UP/sent"/></endpoint></send>
      </inSequence>
      <outSequence><send/></outSequence>
    </resource>
  </api>
</definitions>
"""

QUOTE = ('<m0:getQuote xmlns:m0="http://services.samples"><m0:request><m0:symbol>%s</m0:symbol>'
         '</m0:request></m0:getQuote>')


class CompatMediatorsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mc.require_binary(cls)
        cls.up = Recorder("up")
        cls.dir = tempfile.mkdtemp(prefix="mc-compat-")
        with open(os.path.join(cls.dir, "flows.xml"), "w") as f:
            f.write(FLOWS.replace("UP", str(cls.up.port)))
        cls.srv = Server([cls.dir])

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()
        cls.up.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def post(self, path, body, ctype="application/json", headers=None):
        h = {"Content-Type": ctype}
        h.update(headers or {})
        return self.srv.request("POST", path, body, h)

    def test_conditional_router_runs_the_routes_that_hold(self):
        # breakRoute="false" on the first route lets the second be tested, but
        # the first target's <respond> has answered and ended the flow
        with self.up.lock:
            self.up.seen.clear()
        r = self.post("/services/CondProxy", "{}", headers={"foo": "bar1"})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json(), {"name": "up", "path": "/a"})
        with self.up.lock:
            self.assertEqual([s[1] for s in self.up.seen], ["/a"])
        r = self.post("/services/CondProxy", "{}", headers={"foo": "baz"})
        self.assertEqual(r.json(), {"name": "up", "path": "/b"})

    def test_conditional_router_param_and_property(self):
        r = self.post("/services/CondParam?q=one", "{}")
        self.assertEqual(r.json(), {"route": "one"})
        r = self.post("/services/CondParam?q=two", "{}")
        self.assertEqual(r.json(), {"route": ""})

    def test_router_by_xpath_and_match(self):
        r = self.post("/router/quote", QUOTE % "WSO2", "application/xml")
        self.assertEqual(r.json(), {"name": "up", "path": "/a"})
        r = self.post("/router/quote", QUOTE % "IBM", "application/xml")
        self.assertEqual(r.json(), {"name": "up", "path": "/b"})
        # no route holds and continueAfter is false: the flow ends at the
        # router, as Synapse's mediate() returning false; nothing was answered
        # (mediac's 202 for a flow that ends without an answer)
        r = self.post("/router/quote", QUOTE % "MSFT", "application/xml")
        self.assertEqual((r.status, r.body), (202, b""))

    def test_throttle_without_policy_accepts_and_passes_the_answer(self):
        for _ in range(5):
            with self.up.lock:
                self.up.seen.clear()
            r = self.post("/services/ThrottleProxy", "{}")
            self.assertEqual(r.status, 200, r.body)
            self.assertEqual(r.json(), {"name": "up", "path": "/throttled"})
            with self.up.lock:
                self.assertEqual(self.up.seen[-1][2].get("v"), "accepted")

    def test_proxy_to_is_the_request_uri(self):
        # MI's ServerWorker: msgContext.setTo(new EndpointReference(request.getUri()))
        r = self.post("/services/ToProxy?x=1", "{}")
        self.assertEqual(r.json(), {"to": "/services/ToProxy?x=1"})
        self.assertIn("To: /services/ToProxy?x=1", self.srv.log())

    def test_content_type_property_with_cr_lf_refused(self):
        # issue 11's rule: message data never shapes the answer's headers;
        # refused loudly (500 + log line) as a header value with CR/LF is
        for path, prop in (("/props/ctype", "ContentType"), ("/props/mtype", "messageType")):
            r = self.post(path, '{"t":"text/plain\\r\\nX-Evil: 1"}')
            self.assertEqual(r.status, 500, r.body)
            self.assertIsNone(r.header("X-Evil"))
            self.assertTrue(r.header("Content-Type").startswith("application/json"))
            self.assertIn("property '%s': a content type cannot hold a control character" % prop,
                          r.json()["Fault"]["faultstring"] if "Fault" in r.json() else r.body.decode())
            self.assertIn("property '%s' holds a control character; answering 500" % prop,
                          self.srv.log())
        r = self.post("/props/mtype", '{"t":"text/plain"}')
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header("Content-Type").startswith("text/plain"))

    def test_http_method_property_sets_the_method(self):
        # MI: the axis2 HTTP_METHOD property is the method of the outgoing
        # request of <call> and <send> (issue 18); an address endpoint gets
        # the API's REST_URL_POSTFIX appended, as in MI
        for method in ("PUT", "DELETE", "PATCH", "GET"):
            with self.up.lock:
                self.up.seen.clear()
            r = self.post("/props/call-method", '{"m":"%s"}' % method)
            self.assertEqual(r.status, 200, r.body)
            with self.up.lock:
                self.assertEqual([(s[0], s[1]) for s in self.up.seen], [(method, "/called/call-method")])
        with self.up.lock:
            self.up.seen.clear()
        r = self.post("/props/send-method", "{}")
        self.assertEqual(r.status, 200, r.body)
        with self.up.lock:
            self.assertEqual([(s[0], s[1]) for s in self.up.seen], [("PUT", "/sent/send-method")])


if __name__ == "__main__":
    unittest.main()
