"""test_endpoints.py - endpoints of every kind through `mediac serve`, with
real local upstreams (stdlib HTTP servers that record what they receive)
and a closed port for a dead backend: failover (and the dead member staying
suspended), round-robin and weighted load balancing, recipient lists,
endpoint templates, WSDL endpoints read from a file, the default endpoint
(To header), endpoint properties and basic authentication reaching the
upstream, REST_URL_POSTFIX appended as MI appends it, 303001 for a
suspended endpoint, and responseAction discard.  Synapse semantics are the
oracle (docs/core.md, Endpoints)."""
import base64
import os
import shutil
import tempfile
import unittest

import mc
from fault_upstream import closed_port
from recording_upstream import Recorder
from serve_helpers import Server


WSDL = """<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:tns="urn:quote"
    targetNamespace="urn:quote">
  <wsdl:service name="QuoteService">
    <wsdl:port name="QuoteSoap11" binding="tns:B">
      <soap:address location="http://127.0.0.1:A_PORT/services/quote"/>
    </wsdl:port>
  </wsdl:service>
</wsdl:definitions>
"""

FLOWS = """<definitions xmlns="http://ws.apache.org/ns/synapse">
  <endpoint name="FO">
    <failover>
      <endpoint name="dead"><address uri="http://127.0.0.1:DEAD/x"/></endpoint>
      <endpoint name="a"><address uri="http://127.0.0.1:A_PORT/a"/></endpoint>
      <endpoint name="b"><address uri="http://127.0.0.1:B_PORT/b"/></endpoint>
    </failover>
  </endpoint>
  <endpoint name="RR">
    <loadbalance algorithm="org.apache.synapse.endpoints.algorithms.RoundRobin">
      <endpoint><http uri-template="http://127.0.0.1:A_PORT/rr"/></endpoint>
      <endpoint><http uri-template="http://127.0.0.1:B_PORT/rr"/></endpoint>
    </loadbalance>
  </endpoint>
  <endpoint name="W">
    <loadbalance algorithm="org.apache.synapse.endpoints.algorithms.WeightedRoundRobin">
      <endpoint><http uri-template="http://127.0.0.1:A_PORT/w"/><property name="loadbalance.weight" value="3"/></endpoint>
      <endpoint><http uri-template="http://127.0.0.1:B_PORT/w"/><property name="loadbalance.weight" value="1"/></endpoint>
    </loadbalance>
  </endpoint>
  <endpoint name="Lone"><http uri-template="http://127.0.0.1:DEAD2/lone"/></endpoint>
  <endpoint name="Templated" template="backend" uri="http://127.0.0.1:B_PORT/tpl">
    <parameter name="apiKey" value="k-123"/>
  </endpoint>
  <endpoint name="Quote"><wsdl uri="file:quote.wsdl" service="QuoteService" port="QuoteSoap11"/></endpoint>
  <endpoint name="Secured">
    <http method="get" uri-template="http://127.0.0.1:A_PORT/secure">
      <authentication><basicAuth><username>alice</username><password>{$ctx:pw}</password></basicAuth></authentication>
    </http>
  </endpoint>
  <endpoint name="Discard">
    <http uri-template="http://127.0.0.1:A_PORT/slow?ms=1500">
      <timeout><duration>200</duration><responseAction>discard</responseAction></timeout>
    </http>
  </endpoint>
  <api name="Eps" context="/ep">
    <resource methods="POST" uri-template="/failover">
      <inSequence><call><endpoint key="FO"/></call><respond/></inSequence>
    </resource>
    <resource methods="POST" uri-template="/rr">
      <inSequence><call><endpoint key="RR"/></call><respond/></inSequence>
    </resource>
    <resource methods="POST" uri-template="/weighted">
      <inSequence><call><endpoint key="W"/></call><respond/></inSequence>
    </resource>
    <resource methods="POST" uri-template="/lone">
      <inSequence><call><endpoint key="Lone"/></call><respond/></inSequence>
    </resource>
    <resource methods="POST" uri-template="/templated">
      <inSequence><call><endpoint key="Templated"/></call><respond/></inSequence>
    </resource>
    <resource methods="POST" uri-template="/wsdl">
      <inSequence><call><endpoint key="Quote"/></call><respond/></inSequence>
    </resource>
    <resource methods="POST" uri-template="/default">
      <inSequence>
        <header name="To" value="http://127.0.0.1:B_PORT/to"/>
        <property name="REST_URL_POSTFIX" scope="axis2" action="remove"/>
        <call><endpoint><default/></endpoint></call><respond/>
      </inSequence>
    </resource>
    <resource methods="POST" uri-template="/secure">
      <inSequence><property name="pw" value="s3cr3t-pw"/><call><endpoint key="Secured"/></call><respond/></inSequence>
    </resource>
    <resource methods="POST" uri-template="/discard">
      <inSequence><call><endpoint key="Discard"/></call><respond/></inSequence>
    </resource>
    <resource methods="POST GET" url-mapping="/postfix/*">
      <inSequence><call><endpoint><address uri="http://127.0.0.1:A_PORT/base"/></endpoint></call><respond/></inSequence>
    </resource>
    <resource methods="POST" uri-template="/recipients">
      <inSequence>
        <property name="LIST" value="http://127.0.0.1:A_PORT/r1,http://127.0.0.1:B_PORT/r2"/>
        <property name="REST_URL_POSTFIX" scope="axis2" action="remove"/>
        <call><endpoint><recipientlist><endpoints value="{get-property('LIST')}"/></recipientlist></endpoint></call>
        <respond/>
      </inSequence>
    </resource>
  </api>
  <template name="backend">
    <parameter name="apiKey"/>
    <endpoint name="$name">
      <http method="post" uri-template="$uri"/>
      <property name="X-Api-Key" value="$apiKey" scope="transport"/>
    </endpoint>
  </template>
</definitions>
"""


class EndpointsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mc.require_binary(cls)
        cls.a, cls.b = Recorder("a"), Recorder("b")
        cls.dir = tempfile.mkdtemp(prefix="mc-endpoints-")
        subst = {"A_PORT": cls.a.port, "B_PORT": cls.b.port, "DEAD2": closed_port(),
                 "DEAD": closed_port()}
        flows, wsdl = FLOWS, WSDL
        for k in ("A_PORT", "B_PORT", "DEAD2", "DEAD"):
            flows = flows.replace(k, str(subst[k]))
            wsdl = wsdl.replace(k, str(subst[k]))
        with open(os.path.join(cls.dir, "flows.xml"), "w") as f:
            f.write(flows)
        with open(os.path.join(cls.dir, "quote.wsdl"), "w") as f:
            f.write(wsdl)
        cls.srv = Server([os.path.join(cls.dir, "flows.xml")])

    @classmethod
    def tearDownClass(cls):
        cls.srv.close()
        cls.a.stop()
        cls.b.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def post(self, path, body="{}"):
        return self.srv.request("POST", path, body, {"Content-Type": "application/json"})

    def last(self, rec):
        with rec.lock:
            return rec.seen[-1]

    def test_failover_goes_on_and_keeps_the_dead_member_suspended(self):
        before = len(self.a.seen)
        r = self.post("/ep/failover")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json()["name"], "a")
        r = self.post("/ep/failover")
        self.assertEqual(r.json()["name"], "a")
        self.assertEqual(len(self.a.seen), before + 2)
        self.assertIn("failing over", self.srv.log())

    def test_round_robin_alternates(self):
        names = [self.post("/ep/rr").json()["name"] for _ in range(4)]
        self.assertIn(names, (["a", "b", "a", "b"], ["b", "a", "b", "a"]))

    def test_weighted_round_robin(self):
        names = [self.post("/ep/weighted").json()["name"] for _ in range(8)]
        self.assertEqual(names, ["a", "a", "a", "b", "a", "a", "a", "b"])

    def test_suspended_endpoint_answers_303001_without_sending(self):
        r = self.post("/ep/lone")
        self.assertEqual(r.status, 500)
        self.assertEqual(r.json()["ERROR_CODE"], "101503")
        r = self.post("/ep/lone")
        self.assertEqual(r.status, 500)
        self.assertEqual(r.json()["ERROR_CODE"], "303001")
        self.assertEqual(r.json()["ERROR_MESSAGE"],
                         "Currently, HTTP endpoint : [ Name : Lone ] [ State : SUSPENDED ]")

    def test_template_instance_with_parameters(self):
        r = self.post("/ep/templated")
        self.assertEqual(r.status, 200, r.body)
        method, path, headers, _ = self.last(self.b)
        self.assertEqual((method, path), ("POST", "/tpl"))
        self.assertEqual(headers.get("X-Api-Key"), "k-123")

    def test_wsdl_endpoint_address_from_the_file(self):
        r = self.post("/ep/wsdl")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.last(self.a)[1], "/services/quote")

    def test_default_endpoint_sends_to_the_to_header(self):
        r = self.post("/ep/default")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json(), {"name": "b", "path": "/to"})

    def test_basic_auth_reaches_the_upstream_and_not_the_log(self):
        r = self.post("/ep/secure")
        self.assertEqual(r.status, 200, r.body)
        method, path, headers, _ = self.last(self.a)
        self.assertEqual((method, path), ("GET", "/secure"))
        self.assertEqual(headers.get("Authorization"),
                         "Basic " + base64.b64encode(b"alice:s3cr3t-pw").decode())
        self.assertNotIn("s3cr3t-pw", self.srv.log())

    def test_rest_url_postfix_is_appended_to_an_address(self):
        r = self.srv.request("GET", "/ep/postfix/x/y?q=1")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json()["path"], "/base/postfix/x/y?q=1")

    def test_recipient_list_sends_to_each(self):
        na, nb = len(self.a.seen), len(self.b.seen)
        r = self.post("/ep/recipients")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json(), {"name": "a", "path": "/r1"})
        self.assertEqual((len(self.a.seen), len(self.b.seen)), (na + 1, nb + 1))
        self.assertEqual(self.last(self.b)[1], "/r2")

    def test_discard_on_timeout_drops_the_message(self):
        r = self.post("/ep/discard")
        self.assertEqual(r.status, 202)
        self.assertEqual(r.body, b"")


if __name__ == "__main__":
    unittest.main()
