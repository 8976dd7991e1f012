"""test_flows_datamapper.py - <datamapper> through `mediac serve` on WSO2's
own Data Mapper test artifacts (tests/corpus: MI's integration tests
tests-mediator-2 and tests-patches, their proxies, APIs and registry
resources as they are), answered as MI's Java tests assert: JSON to JSON,
XML to XML (also with an xsltStyleSheet marked not compatible), names with underscores
and xsi:type, several prefixes for one namespace inside a SOAP envelope,
xsi:nil, dashes, JSON to XML with nested same-name elements; plus a
mapping that throws answered as MI's fault."""
import os
import shutil
import tempfile
import unittest
import xml.etree.ElementTree as ET

import mc
from serve_helpers import Server

CORPUS = os.path.join(mc.ROOT, "tests", "corpus", "wso2-micro-integrator", "integration",
                      "mediation-tests")
ART = "src/test/resources/artifacts/ESB/server"
MEDIATOR2 = os.path.join(CORPUS, "tests-mediator-2", ART)
PATCHES = os.path.join(CORPUS, "tests-patches", ART)
DEPLOY = "repository/deployment/server/synapse-configs/default"

# (not dataMapperOneToOneXmlToXmlUsingXSLTTestProxy: its mapping is only an
# XSLT 2.0 stylesheet, which libxslt cannot run; docs/core.md)
PROXIES = ["dataMapperOneToOneJsonToJsonTestProxy", "dataMapperOneToOneXmlToXmlTestProxy",
           "dataMapperOneToOneXmlToXmlNotXSLTCompatibleTestProxy",
           "dataMapperXmlWithUnderscoreToXmlWithUnderscoreTestProxy"]
APIS = ["simpleDataAPI_XMLtoXML2_withDash", "ESBJAVA5045convertMenuApi", "dashSupport",
        "sampleNestedElementAPI"]

THROWS = """<api xmlns="http://ws.apache.org/ns/synapse" name="throws" context="/throws">
  <resource methods="POST"><inSequence>
    <datamapper config="gov:/bad/throws.dmc" inputSchema="gov:/bad/in.json"
                outputSchema="gov:/bad/out.json" inputType="JSON" outputType="JSON"/>
    <respond/></inSequence></resource></api>"""

COMPANY_XML = """   <company>
      <name>WSO2</name>
      <usoffice><address><no>787</no><street>Castro Street,Mountain View</street><city>CA</city>
            <code>94041</code><country>US</country></address>
         <phone> +1 650 745 4499</phone><fax> +1 408 689 4328</fax></usoffice>
      <europeoffice><address><no>2-6 </no><street>Boundary Row</street><city>London</city>
            <code>SE1 8HP</code><country>UK</country></address>
         <phone>+44 203 318 6025</phone></europeoffice>
      <asiaoffice><address><no>20</no><street>Palm Grove</street><city>Colombo 03</city>
            <code>10003</code><country>LKA</country></address>
         <phone>+94 11 214 5345</phone><fax>+94 11 2145300</fax></asiaoffice>
   </company>
"""

COMPANY_OUT = ("<company><offices><asiaoffice><fax> +1 408 689 4328</fax><phone> +1 650 745 "
               "4499</phone><address>WSO220Colombo 03</address></asiaoffice><europeoffice><fax>+94 11 "
               "2145300</fax><phone>+94 11 214 5345</phone><address>WSO220Colombo "
               "03</address></europeoffice><usoffice><phone>+44 203 318 "
               "6025</phone><address>WSO2787CA</address></usoffice></offices></company>")


def tree(text):
    """(tag, attributes, text, children) with names resolved to {uri}local, so
    that where a namespace is declared does not matter."""
    def walk(e):
        return (e.tag, sorted(e.attrib.items()), (e.text or "").strip(), [walk(c) for c in e])
    return walk(ET.fromstring(text))


class TestDataMapperThroughServe(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mc.require_binary(cls)
        if not os.path.isdir(PATCHES):
            raise unittest.SkipTest("tests/corpus is not present")
        cls.dir = tempfile.mkdtemp(prefix="mediac-dm-")
        conf = os.path.join(cls.dir, "conf")
        os.makedirs(conf)
        for name in PROXIES:
            shutil.copy(os.path.join(MEDIATOR2, DEPLOY, "proxy-services", name + ".xml"), conf)
        for name in APIS:
            shutil.copy(os.path.join(PATCHES, DEPLOY, "api", name + ".xml"), conf)
        with open(os.path.join(conf, "throws.xml"), "w") as f:
            f.write(THROWS)
        bad = os.path.join(cls.dir, "reg", "bad")
        os.makedirs(bad)
        for name, text in (("throws.dmc", "function map_S_a_S_b() { return inputa.x.y; }"),
                           ("in.json", '{"title":"a","type":"object"}'),
                           ("out.json", '{"title":"b","type":"object"}')):
            with open(os.path.join(bad, name), "w") as f:
                f.write(text)
        cls.srv = Server([conf], "--workers", "1",
                         "--registry", os.path.join(MEDIATOR2, "registry"),
                         "--registry", os.path.join(PATCHES, "registry"),
                         "--registry", os.path.join(cls.dir, "reg"))

    @classmethod
    def tearDownClass(cls):
        try:
            cls.srv.finish()
        finally:
            shutil.rmtree(cls.dir, ignore_errors=True)

    def post(self, path, body, ctype):
        timeout = 300 if os.environ.get("MC_VALGRIND") else 30
        r = self.srv.request("POST", path, body=body, headers={"Content-Type": ctype},
                             timeout=timeout)
        self.assertEqual(r.status, 200, r.body)
        return r

    def test_json_to_json(self):
        req = ('{"name":"WSO2","usoffice":{"address":{"no":"787","street":"Castro Street,Mountain View",'
               '"city":"CA","code":"94041","country":"US"},"phone":" +1 650 745 4499","fax":" +1 408 689 4328"},'
               '"europeoffice":{"address":{"no":"2-6 ","street":"Boundary Row","city":"London","code":"SE1 8HP",'
               '"country":"UK"},"phone":"+44 203 318 6025","fax":"+44 11 2145300"},'
               '"asiaoffice":{"address":{"no":"20","street":"Palm Grove","city":"Colombo 03","code":"10003",'
               '"country":"LKA"},"phone":"+94 11 214 5345","fax":"+94 11 2145300"}}')
        r = self.post("/services/dataMapperOneToOneJsonToJsonTestProxy", req, "application/json")
        self.assertEqual(r.body.decode(),
                         '{"offices":{"usoffice":{"address":"WSO2787CA","phone":" +1 650 745 4499",'
                         '"fax":" +1 408 689 4328"},"europeoffice":{"address":"WSO22-6 London",'
                         '"phone":"+44 203 318 6025","fax":"+44 11 2145300"},'
                         '"asiaoffice":{"address":"WSO220Colombo 03","phone":"+94 11 214 5345",'
                         '"fax":"+94 11 2145300"}}}')

    def test_xml_to_xml_with_and_without_a_stylesheet(self):
        for proxy in PROXIES[1:3]:
            with self.subTest(proxy=proxy):
                r = self.post("/services/" + proxy, COMPANY_XML, "text/xml")
                self.assertEqual(r.body.decode(), COMPANY_OUT)

    def test_underscores_and_xsi_type(self):
        req = ('<test><axis2ns11:records_un xmlns:axis2ns11="urn:partner.soap.sforce.com" '
               'xmlns:sf="urn:sobject.partner.soap.sforce.com" '
               'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="sf:sObject">'
               '<sf:type>Account</sf:type><sf:Id>001E0000002SFO2IAO</sf:Id>'
               '<sf:CreatedDate>2011-03-15T00:15:00.000Z</sf:CreatedDate>'
               '<sf:Id>001E0000002SFO2IAO</sf:Id><sf:Name>WSO2</sf:Name></axis2ns11:records_un></test>')
        r = self.post("/services/dataMapperXmlWithUnderscoreToXmlWithUnderscoreTestProxy", req, "text/xml")
        want = ('<test xmlns:sf="urn:sobject.partner.soap.sforce.com" xmlns:axis2ns11="urn:partner.soap.sforce.com"'
                ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><axis2ns11:records_un '
                'xsi:type="sf:sObject"><sf:type>Account</sf:type><sf:Id>001E0000002SFO2IAO</sf:Id>'
                '<sf:CreatedDate>2011-03-15T00:15:00.000Z</sf:CreatedDate><sf:Name>WSO2</sf:Name>'
                '</axis2ns11:records_un></test>')
        self.assertEqual(tree(r.body), tree(want))

    def test_several_prefixes_in_a_soap_envelope(self):
        req = ('<?xml version="1.0" encoding="UTF-8" ?>\n'
               '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" '
               'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsd2="http://www.w3.org/2001/XMLSchema" '
               'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><SOAP-ENV:Header/><SOAP-ENV:Body>'
               '<data xmlns:test1="http://test.com/schema" xmlns:test2="http://test.com/schema">'
               '<test1:aaa-aaa>testA</test1:aaa-aaa><test2:b>testB</test2:b><item>'
               '<test2:name test1:nameType="productID" xsi:type="xsd2:string">car</test2:name>'
               '<new_price xsi:type="xsd:float">100</new_price>'
               '<DiscountedPrice xsi2:type="xsd2:float" xmlns:xsi2="http://www.w3.org/2001/XMLSchema-instance" '
               'test1:discountReason="bulk">100</DiscountedPrice></item></data></SOAP-ENV:Body></SOAP-ENV:Envelope>')
        r = self.post("/simpleDataAPI_XMLtoXML2_withDash", req, "text/xml")
        want = ('<data2><test1:a2 xmlns:test1="http://test.com/schema">testA</test1:a2>'
                '<test1:b2 xmlns:test1="http://test.com/schema">testB</test1:b2><item2><test1:name2 '
                'xmlns:test1="http://test.com/schema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                'xsi:type="xsd2:string" test1:nameType="productID">car</test1:name2><test2:price2 '
                'xmlns:test2="http://test.com/schema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xsi:type="xsd:float">100.0</test2:price2>'
                '<DiscountedPrice2 xmlns:test1="http://test.com/schema" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" test1:discountReason="bulk" '
                'xsi:type="xsd2:float">100.0</DiscountedPrice2><Discounted_Price2 '
                'xmlns:test1="http://test.com/schema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                'test1:discountReason="bulk" xsi:type="xsd2:float">100.0</Discounted_Price2></item2></data2>')
        self.assertEqual(tree(r.body), tree(want))

    def test_xsi_nil_and_numbers(self):
        req = ('<?xml version="1.0" encoding="UTF-8"?>\n<breakfast_menu>\n<food>\n'
               '<name>Belgian Waffles</name>\n<price>$5.95</price>\n'
               '<description>Two of our famous Belgian Waffles with plenty of real maple syrup</description>\n'
               '<calories xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>\n'
               '<orgin>Belgian</orgin>\n<veg>true</veg>\n</food>\n<food>\n'
               '<name>Strawberry Belgian Waffles</name>\n<price>$7.95</price>\n'
               '<description>Light Belgian waffles covered with strawberries and whipped cream</description>\n'
               '<calories>900</calories>\n<orgin>Belgian</orgin>\n<veg>true</veg>\n</food>\n'
               '</breakfast_menu>\n')
        r = self.post("/ESBJAVA5045convertMenuApi", req, "application/xml")
        self.assertEqual(r.body.decode(),
                         "<menu><item><name>Belgian Waffles</name><price>$5.95</price>"
                         "<orgin>Belgian</orgin><veg>true</veg>"
                         "<description>Two of our famous Belgian Waffles with plenty of real maple syrup</description>"
                         "</item><item><name>Strawberry Belgian Waffles</name><price>$7.95</price>"
                         "<calories>900.0</calories><orgin>Belgian</orgin><veg>true</veg>"
                         "<description>Light Belgian waffles covered with strawberries and whipped cream</description>"
                         "</item></menu>")

    def test_dashes(self):
        req = ('<ns:IPU-58_Output xmlns:ns="http://systemeu.fr">\n'
               '<ns:InitialisationCodePin>1</ns:InitialisationCodePin>\n<ns:CodeRetour>2</ns:CodeRetour>\n'
               '<ns:NbrSaisiesRestantes>3</ns:NbrSaisiesRestantes>\n</ns:IPU-58_Output>')
        r = self.post("/dashSupport", req, "text/xml")
        self.assertEqual(r.body.decode(),
                         "<root><IPU58_Output><InitialisationCodePin>1</InitialisationCodePin>"
                         "<CodeRetour>2</CodeRetour><NbrSaisiesRestantes>3</NbrSaisiesRestantes>"
                         "</IPU58_Output></root>")

    def test_json_to_xml_nested_same_name(self):
        r = self.post("/sampleNestedElementAPI", '{\n "chartfield": [ { \n "chartfield": true\n } ] \n}',
                      "application/json")
        self.assertEqual(r.body.decode(),
                         "<jsonObject><chartfield><chartfield>true</chartfield></chartfield></jsonObject>")

    def test_a_throwing_mapping_is_a_fault(self):
        r = self.srv.request("POST", "/throws", body="{}", headers={"Content-Type": "application/json"},
                             timeout=300 if os.environ.get("MC_VALGRIND") else 30)
        self.assertEqual(r.status, 500, r.body)
        self.assertEqual(r.json()["ERROR_MESSAGE"], "DataMapper mediator : mapping failed")


if __name__ == "__main__":
    unittest.main()
