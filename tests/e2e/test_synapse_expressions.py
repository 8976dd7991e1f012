"""End-to-end tests of MI 4.4 Synapse Expressions through `mediac run`:
expressions in mediator attributes and texts (variable, property, header,
filter, switch, log message and properties), configs/secrets/registry from
the project options, runtime errors as MI reports them (a WARN line and an
empty value, the flow goes on), and payloadFactory's inline ${...} syntax
for JSON and XML formats, modelled on MI's own integration test
(wso2/micro-integrator integration/mediation-tests/tests-mediator-1/
.../payload/factory/PayloadFactorySynapseExpressionTestCase.java)."""
import json
import os
import tempfile
import unittest
import xml.dom.minidom

import mc

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "synapse_expressions")
MEDIATORS = os.path.join(DATA, "mediators.xml")
PF = os.path.join(DATA, "payload_factory.xml")


def xml_text(s):
    """Compact XML for comparison (whitespace between elements dropped)."""
    dom = xml.dom.minidom.parseString(s)

    def strip(node):
        for c in list(node.childNodes):
            if c.nodeType == c.TEXT_NODE and not c.data.strip():
                node.removeChild(c)
            else:
                strip(c)
    strip(dom)
    return dom.documentElement.toxml()


class SynapseExpressionsTest(unittest.TestCase):
    def setUp(self):
        mc.require_binary(self)
        self.tmp = tempfile.TemporaryDirectory()
        values = os.path.join(self.tmp.name, "values.properties")
        with open(values, "w") as f:
            f.write("region=eu-west-1\n")
        self.values = values

    def tearDown(self):
        self.tmp.cleanup()

    def run_flow(self, payload, *extra, path=MEDIATORS, content_type="application/json"):
        r = mc.run(["run", "--payload", "-", "--content-type", content_type] + list(extra) + [path],
                   stdin=payload)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def test_mediators_with_typed_values(self):
        order = {"name": "widget", "price": 60.5, "qty": 2, "coupon": "X",
                 "items": [{"name": "a", "qty": 1}, {"name": "b", "qty": 3}]}
        r = self.run_flow(json.dumps(order), "--config-values", self.values)
        self.assertEqual(json.loads(r.stdout), {
            "total": 121.0, "items": ["b"], "big": True, "label": "WIDGET-121.0",
            "discount": 12.1, "tier": "P", "header": "121.0", "region": "eu-west-1",
            "types": "true,true,true"})
        # the log message evaluates only ${...}; a failed expression logs MI's
        # warning, gives an empty value and the flow goes on
        self.assertIn("order widget: total=121.0 {not an expression} tier=P", r.stderr)
        self.assertIn("Error evaluating expression: vars.nope cause : Variable nope is not defined",
                      r.stderr)
        # MI's LogMediator: the message first, then the properties
        self.assertIn("tier=P, missing = \n", r.stderr)

    def test_other_branches(self):
        order = {"name": "nut", "price": 2, "qty": 3, "items": []}
        r = self.run_flow(json.dumps(order), "--config-values", self.values)
        body = json.loads(r.stdout)
        # integer arithmetic stays an integer (Java int), as MI's
        self.assertEqual(body["total"], 6)
        self.assertEqual(body["label"], "NUT-6")
        self.assertEqual((body["big"], body["discount"], body["tier"]), (False, 0, "S"))

    def test_missing_config_value_is_a_runtime_warning(self):
        order = {"name": "nut", "price": 2, "qty": 3, "items": []}
        r = self.run_flow(json.dumps(order))
        self.assertEqual(json.loads(r.stdout)["region"], "")
        self.assertIn("The value of the key:[region] is null", r.stderr)

    def test_payload_factory_json_to_json(self):
        req = {"customer_name": "[]John&\nDoe]", "pet": {"type": "cat\n\rdog", "name": "john"},
               "path": True}
        r = self.run_flow(json.dumps(req), "--sequence", "jsonjson", path=PF)
        self.assertEqual(json.loads(r.stdout), {
            "variable": 123, "username": "[]John&\nDoe]", "escapedVariable": "123",
            "bool": True, "escapedBool": "true",
            "escapedObject": "{\"type\":\"cat\\n\\rdog\",\"name\":\"john\"}",
            "object": {"type": "cat\n\rdog", "name": "john"},
            "sum": 124, "upper": "JOHN"})

    # no xmlns="" on <sleepOperation>: MI writes no redundant declaration
    # (PayloadFactorySynapseExpressionTestCase expects <sleepOperation>)
    def test_payload_factory_json_to_xml(self):
        req = {"customer_name": "John<Doe", "pet": {"type": "cat&", "name": "abc"},
               "path": True, "n": 2}
        r = self.run_flow(json.dumps(req), "--sequence", "jsonxml", path=PF)
        self.assertEqual(xml_text(r.stdout), xml_text(
            "<sleepOperation><username>123&lt;456</username><name>abc</name>"
            "<load><fruit>apple</fruit></load><data><type>cat&amp;</type><name>abc</name></data>"
            "<special_json_str>123\\n456</special_json_str><cmp>big</cmp></sleepOperation>"))

    def test_payload_factory_xml_to_xml(self):
        req = ("<root><customer_name>John&lt;</customer_name><pet><type>cat</type>"
               "<name>abc</name></pet><path>true</path></root>")
        r = self.run_flow(req, "--sequence", "xmlxml", path=PF, content_type="application/xml")
        self.assertEqual(xml_text(r.stdout), xml_text(
            "<sleepOperation><username>John&lt;</username><load>123&lt;456</load>"
            "<data><pet><type>cat</type><name>abc</name></pet></data></sleepOperation>"))

    def test_payload_factory_xml_to_json(self):
        req = ("<root><customer_name>John&lt;</customer_name><pet><type>cat</type>"
               "<name>emily</name></pet><path>true</path></root>")
        r = self.run_flow(req, "--sequence", "xmljson", path=PF, content_type="application/xml")
        self.assertEqual(json.loads(r.stdout), {
            "string": "John<",
            "escapedObject": "<pet><type>cat</type><name>emily</name></pet>",
            "object": {"pet": {"type": "cat", "name": "emily"}},
            "xml": "123<456", "arg": "true"})

    def test_secret_and_registry(self):
        secrets = os.path.join(self.tmp.name, "secrets.properties")
        with open(secrets, "w") as f:
            f.write("dbpass=s3cr3t\n")
        reg = os.path.join(self.tmp.name, "registry", "gov", "config")
        os.makedirs(reg)
        with open(os.path.join(reg, "student.json"), "w") as f:
            f.write('{"student":{"name":"John","age":21}}')
        # MI keeps a resource's properties in RESOURCE.properties beside it
        with open(os.path.join(reg, "student.json.properties"), "w") as f:
            f.write("# owner of the record\nowner = hello world\nlevel=3\n")
        flow = os.path.join(self.tmp.name, "flow.xml")
        with open(flow, "w") as f:
            f.write('<sequence xmlns="http://ws.apache.org/ns/synapse" name="main">'
                    '<payloadFactory media-type="json"><format>{"name": '
                    '"${registry(\'gov:/config/student.json\').student.name}", '
                    '"age": ${registry(\'gov:/config/student.json\').student.age + 1}, '
                    '"pw": "${length(secret(\'dbpass\'))}", '
                    '"owner": "${registry(\'gov:/config/student.json\').property(\'owner\')}"}'
                    '</format></payloadFactory>'
                    '<log level="custom"><message>pw=${secret(\'dbpass\')}</message></log>'
                    '</sequence>')
        r = self.run_flow("{}", "--secrets", secrets, "--registry",
                          os.path.join(self.tmp.name, "registry"), path=flow)
        self.assertEqual(json.loads(r.stdout),
                         {"name": "John", "age": 22, "pw": "6", "owner": "hello world"})
        # the secret is redacted from what the message logs
        self.assertIn("pw=****", r.stderr)
        self.assertNotIn("s3cr3t", r.stderr + r.stdout)

    def test_unknown_secret_alias_is_refused_at_load(self):
        flow = os.path.join(self.tmp.name, "flow.xml")
        with open(flow, "w") as f:
            f.write('<sequence xmlns="http://ws.apache.org/ns/synapse" name="main">\n'
                    '  <variable name="p" expression="${secret(\'nosuch\')}"/>\n</sequence>\n')
        r = mc.run(["validate", flow])
        self.assertEqual(r.returncode, 1)
        self.assertIn("flow.xml:2:43: error: vault alias 'nosuch' not found", r.stdout)


if __name__ == "__main__":
    unittest.main()
