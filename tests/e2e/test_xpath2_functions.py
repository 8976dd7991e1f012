"""test_xpath2_functions.py - XPath 2.0 functions (fn:tokenize, fn:matches,
fn:replace, fn:string-join, fn:distinct-values, fn:max, fn:avg,
fn:round-half-to-even, fn:encode-for-uri, fn:current-dateTime) in a flow
served by `mediac serve` over real HTTP: in property expressions, a filter
and a switch, and payloadFactory arguments, as MI evaluates them with
Saxon (synapse.xpath.dom.failover.enabled).  A bad literal regex is refused
when the flow loads (`mediac validate`), as Saxon refuses it when it
compiles the expression."""
import os
import re
import tempfile
import unittest

import mc
from serve_helpers import FlowsServer

FLOW = r"""<api xmlns="http://ws.apache.org/ns/synapse" name="Orders" context="/orders">
  <resource methods="POST">
    <inSequence>
      <property name="tags" expression="fn:string-join(fn:distinct-values(fn:tokenize(//tags, '\s*,\s*')), '|')"/>
      <property name="ntags" expression="count(fn:tokenize(//tags, ','))"/>
      <property name="first" expression="fn:tokenize(//tags, ',')"/>
      <property name="when" expression="fn:current-dateTime()"/>
      <filter xpath="fn:matches(//code, '^[a-z]{3}-\d+$', 'i')">
        <then>
          <switch source="fn:lower-case(fn:replace(//code, '^([A-Za-z]+)-.*$', '$1'))">
            <case regex="abc"><property name="kind" value="alpha"/></case>
            <default><property name="kind" value="other"/></default>
          </switch>
          <payloadFactory media-type="json">
            <format>{"code":"$1","tags":"$2","ntags":$3,"first":"$4","max":$5,"avg":$6,"name":"$7","kind":"$8","when":"$9","words":$10}</format>
            <args>
              <arg expression="fn:replace(//code, '(\w+)-(\d+)', '$2/$1')"/>
              <arg expression="$ctx:tags"/>
              <arg expression="$ctx:ntags"/>
              <arg expression="$ctx:first"/>
              <arg expression="fn:max(//price)"/>
              <arg expression="fn:round-half-to-even(fn:avg(//price), 2)"/>
              <arg expression="fn:encode-for-uri(//name)"/>
              <arg expression="$ctx:kind"/>
              <arg expression="$ctx:when"/>
              <arg expression="count(fn:tokenize(fn:normalize-space(//name), ' '))"/>
            </args>
          </payloadFactory>
          <respond/>
        </then>
        <else>
          <property name="HTTP_SC" value="400" scope="axis2"/>
          <payloadFactory media-type="json">
            <format>{"error":"bad code $1"}</format>
            <args><arg expression="//code"/></args>
          </payloadFactory>
          <respond/>
        </else>
      </filter>
    </inSequence>
  </resource>
</api>
"""

ORDER = ("<order><code>ABC-42</code><tags>red, blue,red ,green</tags>"
         "<name>caf\u00e9 &amp; bar</name><price>10</price><price>2.5</price>"
         "<price>4.125</price></order>")


class XPath2FunctionsServed(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mc.require_binary(cls)
        cls.srv = FlowsServer(FLOW, prefix="mediac-xpath2-", env={"TZ": "UTC"})

    @classmethod
    def tearDownClass(cls):
        cls.srv.finish()

    def post(self, body):
        return self.srv.request("POST", "/orders", body=body.encode("utf-8"),
                                headers={"Content-Type": "application/xml"})

    def test_functions_in_property_filter_switch_and_payload_factory(self):
        r = self.post(ORDER)
        self.assertEqual(r.status, 200, r.body)
        body = r.json()
        when = body.pop("when")
        self.assertEqual(body, {
            "code": "42/ABC", "tags": "red|blue|green", "ntags": 4, "first": "red",
            "max": 10, "avg": 5.54, "name": "caf%C3%A9%20%26%20bar", "kind": "alpha",
            "words": 3})
        # Saxon's xs:dateTime form in the local timezone (UTC: 'Z')
        self.assertRegex(when, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,2}[1-9])?Z$")

    def test_filter_else_branch(self):
        for code in ("AB-1", "ABC-", "ABC-1x", "1ABC-2"):
            r = self.post(ORDER.replace("ABC-42", code))
            self.assertEqual(r.status, 400, (code, r.body))
            self.assertEqual(r.json(), {"error": "bad code " + code})

    def test_other_switch_case_and_empty_sequences(self):
        r = self.post("<order><code>xyz-7</code><tags></tags><name>a</name>"
                      "<price>1</price></order>")
        self.assertEqual(r.status, 200, r.body)
        body = r.json()
        self.assertEqual((body["code"], body["kind"], body["tags"], body["ntags"],
                          body["first"], body["max"], body["avg"]),
                         ("7/xyz", "other", "", 0, "", 1, 1))


class XPath2LoadErrors(unittest.TestCase):
    def setUp(self):
        mc.require_binary(self)
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def validate(self, expression):
        path = os.path.join(self.tmp.name, "seq.xml")
        with open(path, "w") as f:
            f.write('<sequence xmlns="http://ws.apache.org/ns/synapse" name="s">\n'
                    '  <property name="p" expression="%s"/>\n</sequence>\n' % expression)
        return mc.run(["validate", path])

    def test_bad_regexes_and_arity_are_load_errors(self):
        cases = [
            ("fn:matches(//a, '(?=x)')", "'(?' groups"),
            ("fn:tokenize(//a, 'x*')", "matches the empty string"),
            ("fn:replace(//a, 'a', '$x')", "bad replacement '$x'"),
            ("fn:matches(//a, 'a', 'g')", "invalid regex flags 'g'"),
            ("fn:tokenize(//a)", "fn:tokenize() takes 2 to 3 arguments, not 1"),
        ]
        for expression, want in cases:
            r = self.validate(expression)
            self.assertNotEqual(r.returncode, 0, expression)
            self.assertIn(want, r.stderr + r.stdout, expression)
            self.assertRegex(r.stderr + r.stdout, re.escape("seq.xml:2:"), expression)

    def test_good_expression_validates(self):
        r = self.validate("fn:string-join(fn:tokenize(//a, ','), '-')")
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    unittest.main()
