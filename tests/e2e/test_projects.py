"""test_projects.py - real projects through `mediac serve`: pass-through
proxies against a stand-in backend, sequence templates, API versions and
uri-template wildcards, references that name nothing (MI's fault when a
message reaches them), the MI project, MI server folder, Integration
Studio workspace and .car layouts, registry resources, and values and
secrets ($SYSTEM:, ${configs.}, wso2:vault-lookup) with the secret never
in the log."""
import json
import os
import shutil
import tempfile
import unittest
import zipfile

import mc
import serve_helpers
import standins

SYN = 'xmlns="http://ws.apache.org/ns/synapse"'
PROJECTS = os.path.join(mc.ROOT, "tests", "data", "projects")


def write(folder, name, text):
    path = os.path.join(folder, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


class Flows(unittest.TestCase):
    """One server over one folder of flows, with an echo stand-in backend."""

    @classmethod
    def setUpClass(cls):
        mc.require_binary(cls)
        cls.echo = standins.EchoStandIn()
        cls.tmp = tempfile.mkdtemp(prefix="mediac-projects-")
        write(cls.tmp, "flows.xml", """<definitions %s>
<endpoint name="Echo"><address uri="%s/echo"/></endpoint>
<proxy name="PassByKey"><target endpoint="Echo"/></proxy>
<proxy name="PassInline"><target>
  <inSequence><property name="X-Added" value="by-in" scope="transport"/></inSequence>
  <endpoint><address uri="%s/inline"/></endpoint>
  <outSequence><property name="X-Out" value="ran" scope="transport"/><respond/></outSequence>
</target></proxy>
<sequence name="both">
  <in><property name="X-Dir-In" value="in" scope="transport"/><send><endpoint key="Echo"/></send></in>
  <out><property name="X-Dir-Out" value="out" scope="transport"/><send/></out>
</sequence>
<proxy name="InOut"><target inSequence="both" outSequence="both"/></proxy>
<template name="Greet">
  <parameter name="who" isMandatory="true"/><parameter name="greeting" defaultValue="Hello"/>
  <sequence>
    <payloadFactory media-type="json"><format>{"text":"$1, $2!"}</format>
      <args><arg expression="$func:greeting"/><arg expression="get-property('func', 'who')"/></args>
    </payloadFactory>
  </sequence>
</template>
<api name="T" context="/t">
  <resource methods="POST" uri-template="/greet">
    <inSequence>
      <call-template target="Greet"><with-param name="who" value="{json-eval($.name)}"/></call-template>
      <respond/>
    </inSequence>
  </resource>
  <resource methods="GET" uri-template="/missing"><inSequence><sequence key="NotDeployed"/></inSequence></resource>
  <resource methods="GET" uri-template="/order/{id}?*"><inSequence>
    <payloadFactory media-type="json"><format>{"id":"$1"}</format><args><arg expression="$ctx:uri.var.id"/></args></payloadFactory>
    <respond/></inSequence></resource>
  <resource methods="GET" uri-template="/files*"><inSequence>
    <payloadFactory media-type="json"><format>{"files":true}</format><args/></payloadFactory><respond/></inSequence></resource>
</api>
<proxy name="DefaultEP"><target>
  <inSequence><send/></inSequence><outSequence><property name="X-Out" value="out" scope="transport"/><send/></outSequence>
</target></proxy>
<api name="CallTo" context="/callto">
  <resource methods="POST" uri-template="/set"><inSequence>
    <header name="To" expression="concat('%s', '/called')"/>
    <call/><property name="X-After" value="call" scope="transport"/><respond/></inSequence></resource>
  <resource methods="POST" uri-template="/none"><inSequence><call/><respond/></inSequence></resource>
  <resource methods="POST" uri-template="/jms"><inSequence>
    <header name="To" value="jms:/Queue"/><call/><respond/></inSequence></resource>
</api>
<sequence name="Recv"><property name="X-Recv" value="%s" scope="transport"/><send/></sequence>
<proxy name="Receive"><target>
  <inSequence><send receive="Recv"><endpoint key="Echo"/></send></inSequence><outSequence><drop/></outSequence>
</target></proxy>
<proxy name="ReceiveDynamic"><target>
  <inSequence><property name="r" value="Recv"/>
    <send receive="{get-property('r')}"><endpoint key="Echo"/></send></inSequence>
  <outSequence><drop/></outSequence>
</target></proxy>
<proxy name="ReceiveMissing"><target>
  <inSequence><property name="r" value="NoSuchSeq"/>
    <send receive="{get-property('r')}"><endpoint key="Echo"/></send></inSequence>
</target></proxy>
<api name="V" context="/v" version="1.0.0" version-type="url">
  <resource methods="GET" uri-template="/which"><inSequence>
    <payloadFactory media-type="json"><format>{"v":"1"}</format><args/></payloadFactory><respond/></inSequence></resource>
</api>
<api name="V" context="/v" version="2.0.0" version-type="url">
  <resource methods="GET" uri-template="/which"><inSequence>
    <payloadFactory media-type="json"><format>{"v":"2"}</format><args/></payloadFactory><respond/></inSequence></resource>
</api>
<api name="C" context="/c/{version}/x" version="v7" version-type="context">
  <resource methods="GET" url-mapping="/*"><inSequence>
    <payloadFactory media-type="json"><format>{"c":"v7"}</format><args/></payloadFactory><respond/></inSequence></resource>
</api>
</definitions>""" % (SYN, cls.echo.url, cls.echo.url, cls.echo.url, "Recv"))
        cls.server = serve_helpers.Server([cls.tmp])

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.echo.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def req(self, method, path, body=None, headers=None):
        return self.server.request(method, path, body=body, headers=headers)

    def test_pass_through_proxy_by_key(self):
        n = len(self.echo.requests)
        r = self.req("POST", "/services/PassByKey", b'{"a":1}', {"Content-Type": "application/json"})
        self.assertEqual(r.status, 200)
        self.assertEqual(json.loads(r.body), {"a": 1})
        self.assertEqual(self.echo.requests[n]["path"], "/echo")

    def test_pass_through_proxy_inline_with_in_and_out(self):
        n = len(self.echo.requests)
        r = self.req("POST", "/services/PassInline", b"<a>1</a>", {"Content-Type": "application/xml"})
        self.assertEqual(r.status, 200)
        self.assertIn(b"<a>1</a>", r.body)
        self.assertEqual(self.echo.requests[n]["path"], "/inline")
        self.assertEqual(self.echo.requests[n]["headers"].get("X-Added"), "by-in")
        self.assertEqual(r.header("X-Out"), "ran")

    def test_in_and_out_in_one_sequence(self):
        # Synapse 1.x: one sequence for both directions, <in> on the request
        # path (sent to the backend), <out> on the response path
        n = len(self.echo.requests)
        r = self.req("POST", "/services/InOut", b'{"x":2}', {"Content-Type": "application/json"})
        self.assertEqual(r.status, 200)
        self.assertEqual(json.loads(r.body), {"x": 2})
        self.assertEqual(self.echo.requests[n]["headers"].get("X-Dir-In"), "in")
        self.assertIsNone(self.echo.requests[n]["headers"].get("X-Dir-Out"))
        self.assertEqual(r.header("X-Dir-Out"), "out")

    def test_call_template(self):
        r = self.req("POST", "/t/greet", b'{"name":"Ada"}', {"Content-Type": "application/json"})
        self.assertEqual(r.status, 200)
        self.assertEqual(json.loads(r.body), {"text": "Hello, Ada!"})

    def test_missing_sequence_faults_with_mis_message(self):
        r = self.req("GET", "/t/missing")
        self.assertEqual(r.status, 500)
        self.assertIn(b"Sequence named NotDeployed cannot be found", r.body)
        self.assertIn("unknown sequence 'NotDeployed'", self.server.log())

    def test_uri_template_wildcards(self):
        self.assertEqual(json.loads(self.req("GET", "/t/order/42?trace=1").body), {"id": "42"})
        self.assertEqual(self.req("GET", "/t/order/42").status, 404)   # ?* needs a query
        self.assertEqual(json.loads(self.req("GET", "/t/files/a/b.txt").body), {"files": True})

    def test_send_without_endpoint_goes_to_the_addressing_to(self):
        # MI's SendIntegrationTestCase.testSendingDefaultEndpoint: <send/>
        # sends a request to its WS-Addressing To; the answer runs the out
        # sequence, whose <send/> answers the client
        n = len(self.echo.requests)
        body, headers = standins.stockquote_request("WSO2", to=self.echo.url + "/by-to")
        r = self.req("POST", "/services/DefaultEP", body, headers)
        self.assertEqual(r.status, 200)
        self.assertEqual(self.echo.requests[n]["path"], "/by-to")
        self.assertIn(b"<m0:symbol>WSO2</m0:symbol>", r.body)
        self.assertEqual(r.header("X-Out"), "out")

    def test_send_without_endpoint_and_no_to_answers_the_caller(self):
        n = len(self.echo.requests)
        for to in (None, "http://127.0.0.1:%d/services/DefaultEP" % self.server.port, "urn:x"):
            body, headers = standins.stockquote_request("IBM", to=to)
            r = self.req("POST", "/services/DefaultEP", body, headers)
            self.assertEqual(r.status, 200, to)
            self.assertIn(b"<m0:symbol>IBM</m0:symbol>", r.body)
            self.assertIsNone(r.header("X-Out"))
        self.assertEqual(len(self.echo.requests), n)   # nothing sent, no loop

    def test_call_without_endpoint_goes_to_the_to_address(self):
        # Synapse's CallMediator with no endpoint (MI's CachingTestPost):
        # the To set by <header>; with no To, or a non-HTTP one, a fault
        n = len(self.echo.requests)
        r = self.req("POST", "/callto/set", b'{"c":1}', {"Content-Type": "application/json"})
        self.assertEqual(r.status, 200)
        self.assertEqual(json.loads(r.body), {"c": 1})
        self.assertEqual(r.header("X-After"), "call")
        # the API's REST_URL_POSTFIX is appended, as for any endpoint
        self.assertEqual(self.echo.requests[n]["path"], "/called/set")
        r = self.req("POST", "/callto/none", b'{"c":1}', {"Content-Type": "application/json"})
        self.assertEqual(r.status, 500)
        self.assertIn(b"<call> without an endpoint: the message has no To address", r.body)
        r = self.req("POST", "/callto/jms", b'{"c":1}', {"Content-Type": "application/json"})
        self.assertEqual(r.status, 500)
        self.assertIn(b"is not HTTP(S)", r.body)
        self.assertEqual(len(self.echo.requests), n + 1)

    def test_send_receive_sequence(self):
        # the answer goes to the receiving sequence, not the out sequence
        # (which drops); static and {expression} names
        for proxy in ("Receive", "ReceiveDynamic"):
            r = self.req("POST", "/services/" + proxy, b'{"k":1}', {"Content-Type": "application/json"})
            self.assertEqual(r.status, 200, proxy)
            self.assertEqual(json.loads(r.body), {"k": 1})
            self.assertEqual(r.header("X-Recv"), "Recv")
        r = self.req("POST", "/services/ReceiveMissing", b'{"k":1}', {"Content-Type": "application/json"})
        self.assertEqual(r.status, 500)
        self.assertIn(b"Sequence named NoSuchSeq cannot be found", r.body)

    def test_api_versions(self):
        self.assertEqual(json.loads(self.req("GET", "/v/1.0.0/which").body), {"v": "1"})
        self.assertEqual(json.loads(self.req("GET", "/v/2.0.0/which").body), {"v": "2"})
        self.assertEqual(self.req("GET", "/v/which").status, 404)
        self.assertEqual(json.loads(self.req("GET", "/c/v7/x/anything").body), {"c": "v7"})


class Layouts(unittest.TestCase):
    """Projects, server folders and archives served as WSO2 deploys them."""

    def setUp(self):
        mc.require_binary(self)

    def test_mi_project(self):
        srv = serve_helpers.Server([os.path.join(PROJECTS, "mi-project")])
        try:
            r = srv.request("GET", "/hello")
            self.assertEqual(r.status, 200)
            self.assertEqual(json.loads(r.body), {"said": "hello from .env"})
            # the registry sequence gov:/seq/audit.xml ran too
            self.assertEqual(r.header("audited"), "yes")
            self.assertIn("loaded 3 artifacts and 3 registry resources from", srv.log())
            self.assertIn("(MI project)", srv.log())
        finally:
            srv.stop()

    def test_mi_server_folder(self):
        srv = serve_helpers.Server([os.path.join(PROJECTS, "mi-server")])
        try:
            r = srv.request("GET", "/stock/1.0.0/quote/IBM")
            self.assertEqual(r.status, 200)
            self.assertEqual(json.loads(r.body), {"symbol": "IBM", "port": "8290"})
            self.assertIn("(MI server)", srv.log())
        finally:
            srv.stop()

    def test_integration_studio_workspace(self):
        srv = serve_helpers.Server([os.path.join(PROJECTS, "studio")])
        try:
            r = srv.request("POST", "/services/Echo", b'{"q":1}', {"Content-Type": "application/json"})
            self.assertEqual(r.status, 200)
            self.assertEqual(json.loads(r.body), {"q": 1})
            self.assertIn("(Integration Studio workspace)", srv.log())
        finally:
            srv.stop()

    def test_car(self):
        tmp = tempfile.mkdtemp(prefix="mediac-car-")
        car = os.path.join(tmp, "App_1.0.0.car")
        with zipfile.ZipFile(car, "w") as z:
            z.writestr("artifacts.xml",
                       '<artifacts><artifact name="App" version="1.0.0" type="carbon/application">'
                       '<dependency artifact="Api" version="1.0.0" include="true"/>'
                       '<dependency artifact="Xsl" version="1.0.0" include="true"/>'
                       '</artifact></artifacts>')
            z.writestr("Api_1.0.0/artifact.xml",
                       '<artifact name="Api" version="1.0.0" type="synapse/api">'
                       '<file>Api-1.0.0.xml</file></artifact>')
            z.writestr("Api_1.0.0/Api-1.0.0.xml",
                       '<api %s name="Api" context="/car"><resource methods="POST">'
                       '<inSequence><xslt key="conf:/xslt/wrap.xsl"/><respond/></inSequence>'
                       '</resource></api>' % SYN)
            z.writestr("Xsl_1.0.0/artifact.xml",
                       '<artifact name="Xsl" version="1.0.0" type="registry/resource">'
                       '<file>registry-info.xml</file></artifact>')
            z.writestr("Xsl_1.0.0/registry-info.xml",
                       '<resources><item><file>wrap.xsl</file><path>/_system/config/xslt</path>'
                       '<mediaType>application/xsl+xml</mediaType></item></resources>')
            z.writestr("Xsl_1.0.0/resources/wrap.xsl",
                       '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
                       '<xsl:template match="/"><wrapped><xsl:copy-of select="."/></wrapped>'
                       '</xsl:template></xsl:stylesheet>')
        srv = serve_helpers.Server([car])
        try:
            r = srv.request("POST", "/car", b"<in>1</in>", {"Content-Type": "application/xml"})
            self.assertEqual(r.status, 200)
            self.assertIn(b"<wrapped><in>1</in></wrapped>", r.body)
            self.assertIn("loaded 1 artifact and 1 registry resource from", srv.log())
        finally:
            srv.stop()
            shutil.rmtree(tmp, ignore_errors=True)

    def test_bad_car_is_refused_whole(self):
        tmp = tempfile.mkdtemp(prefix="mediac-car-")
        try:
            car = os.path.join(tmp, "Bad.car")
            with zipfile.ZipFile(car, "w") as z:
                z.writestr("Api_1.0.0/Api-1.0.0.xml", "<api %s name='A' context='/a'/>" % SYN)
            r = mc.run(["validate", car])
            self.assertEqual(r.returncode, 1)
            self.assertIn("no artifacts.xml at the top of the archive", r.stdout)
            with open(os.path.join(tmp, "notzip.car"), "w") as f:
                f.write("just text")
            r = mc.run(["validate", os.path.join(tmp, "notzip.car")])
            self.assertIn("not a Carbon application (.car): not a zip archive", r.stdout)
            with self.assertRaises(AssertionError):
                serve_helpers.Server([car])
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_nothing_to_load_is_a_warning(self):
        tmp = tempfile.mkdtemp(prefix="mediac-empty-")
        try:
            write(tmp, "README.txt", "no flows here")
            r = mc.run(["validate", tmp])
            self.assertEqual(r.returncode, 0)
            self.assertIn("warning: nothing to load: no Synapse artifacts found in this folder",
                          r.stdout)
            self.assertIn("0 errors, 1 warning", r.stdout)
            self.assertEqual(mc.run(["validate", "--werror", tmp]).returncode, 1)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class ValuesAndSecrets(unittest.TestCase):
    SECRET = "s3cr3t-Value-9f2b"

    def setUp(self):
        mc.require_binary(self)
        self.echo = standins.EchoStandIn()
        self.tmp = tempfile.mkdtemp(prefix="mediac-secrets-")
        write(self.tmp, "secrets.properties", "api_key=[%s]\n" % self.SECRET)
        write(self.tmp, "values.properties", "greeting=hi from values\n")
        write(self.tmp, "flows/api.xml", """<api %s name="S" context="/s">
  <resource methods="POST"><inSequence>
    <property name="X-Api-Key" expression="wso2:vault-lookup('api_key')" scope="transport"/>
    <property name="X-Greeting" value="${configs.greeting}" scope="transport"/>
    <log level="full"><property name="key" expression="wso2:vault-lookup('api_key')"/></log>
    <call><endpoint><address uri="$SYSTEM:MC_E2E_BACKEND"/></endpoint></call>
    <respond/>
  </inSequence></resource>
</api>""" % SYN)

    def tearDown(self):
        self.echo.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_values_secrets_and_environment(self):
        srv = serve_helpers.Server(
            [os.path.join(self.tmp, "flows"), "--secrets", os.path.join(self.tmp, "secrets.properties"),
             "--config-values", os.path.join(self.tmp, "values.properties")],
            env={"MC_E2E_BACKEND": self.echo.url + "/backend"})
        try:
            r = srv.request("POST", "/s", b'{"k":1}', {"Content-Type": "application/json"})
            self.assertEqual(r.status, 200)
            sent = self.echo.requests[-1]
            self.assertEqual(sent["path"], "/backend")
            self.assertEqual(sent["headers"].get("X-Api-Key"), self.SECRET)
            self.assertEqual(sent["headers"].get("X-Greeting"), "hi from values")
        finally:
            srv.stop()
        log = srv.log()
        self.assertNotIn(self.SECRET, log)
        self.assertIn("key = ****", log)

    def test_unresolvable_values_refuse_to_load(self):
        env = dict(os.environ)
        env.pop("MC_E2E_BACKEND", None)
        r = mc.run(["validate", os.path.join(self.tmp, "flows")], env={"MC_E2E_BACKEND": ""})
        # an empty variable is a value; an unset one is an error naming it
        self.assertNotIn("MC_E2E_BACKEND' is not set", r.stdout)
        r = mc.run(["validate", os.path.join(self.tmp, "flows")])
        self.assertEqual(r.returncode, 1)
        self.assertIn("$SYSTEM:MC_E2E_BACKEND: environment variable 'MC_E2E_BACKEND' is not set",
                      r.stdout)
        self.assertIn("vault alias 'api_key' not found", r.stdout)
        self.assertIn("${configs.greeting}: no value for 'greeting'", r.stdout)
        self.assertNotIn(self.SECRET, r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
