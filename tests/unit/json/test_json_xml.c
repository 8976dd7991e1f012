/* test_json_xml.c - the Synapse JSON <-> XML mapping, both ways, and
 * round trips JSON -> XML -> JSON. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "json/json.h"

/* every tree of this file lives here; freed at the end */
static mc_arena trees;

static mc_json parse(const char *s)
{
    mc_err err = {0};
    mc_json v = mc_json_parse(&trees, s, strlen(s), &err);
    if (!v)
        fail_msg("'%s' does not parse: %s", s, err.msg);
    return v;
}

/* Serialised XML of the element mc_json_to_xml gives for json. */
static char *to_xml(const char *json)
{
    mc_json v = parse(json);
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr el = mc_json_to_xml(v, doc);
    assert_non_null(el);
    xmlDocSetRootElement(doc, el);
    xmlBufferPtr buf = xmlBufferCreate();
    xmlNodeDump(buf, doc, el, 0, 0);
    char *s = strdup((const char *)xmlBufferContent(buf));
    xmlBufferFree(buf);
    xmlFreeDoc(doc);
    return s;
}

static char *to_json(const char *xml)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOWARNING |
                                  XML_PARSE_NOERROR);
    if (!doc)
        fail_msg("'%s' is not XML", xml);
    mc_buf b = MC_BUF_INIT;
    mc_xml_to_json(&b, xmlDocGetRootElement(doc));
    xmlFreeDoc(doc);
    assert_false(b.oom);
    return mc_buf_steal(&b);
}

/* ---- JSON -> XML -------------------------------------------------------- */

static const struct {
    const char *json;
    const char *xml;
} to_xml_cases[] = {
    {"{\"a\":1}", "<jsonObject><a>1</a></jsonObject>"},
    {"{\"a\":\"x\",\"b\":true,\"c\":false,\"d\":null,\"e\":1.50}",
     "<jsonObject><a>x</a><b>true</b><c>false</c><d/><e>1.50</e></jsonObject>"},
    {"{\"a\":[1,2]}",
     "<jsonObject><?xml-multiple a?><a>1</a><a>2</a></jsonObject>"},
    {"{\"a\":[1]}", "<jsonObject><?xml-multiple a?><a>1</a></jsonObject>"},
    {"{\"a\":[]}", "<jsonObject><?xml-multiple a?></jsonObject>"},
    {"{\"a\":[],\"b\":1}", "<jsonObject><?xml-multiple a?><b>1</b></jsonObject>"},
    {"{\"a\":[null,\"\"]}", "<jsonObject><?xml-multiple a?><a/><a/></jsonObject>"},
    {"{\"a\":[[1,2],[]]}",
     "<jsonObject><?xml-multiple a?><a><?xml-multiple jsonElement?>"
     "<jsonElement>1</jsonElement><jsonElement>2</jsonElement></a>"
     "<a><?xml-multiple jsonElement?></a></jsonObject>"},
    {"{\"a\":[{\"b\":1},{\"b\":[2,3]}]}",
     "<jsonObject><?xml-multiple a?><a><b>1</b></a><a><?xml-multiple b?>"
     "<b>2</b><b>3</b></a></jsonObject>"},
    {"{\"a\":{\"b\":{\"c\":1}}}", "<jsonObject><a><b><c>1</c></b></a></jsonObject>"},
    {"{\"a\":{}}", "<jsonObject><a/></jsonObject>"},
    {"[1,{\"b\":2}]",
     "<jsonArray><?xml-multiple jsonElement?><jsonElement>1</jsonElement>"
     "<jsonElement><b>2</b></jsonElement></jsonArray>"},
    {"[[1]]",
     "<jsonArray><?xml-multiple jsonElement?><jsonElement>"
     "<?xml-multiple jsonElement?><jsonElement>1</jsonElement></jsonElement>"
     "</jsonArray>"},
    {"[]", "<jsonArray><?xml-multiple jsonElement?></jsonArray>"},
    {"{}", "<jsonObject/>"},
    {"\"s\"", "<jsonValue>s</jsonValue>"},
    {"5", "<jsonValue>5</jsonValue>"},
    {"-1.0e5", "<jsonValue>-1.0e5</jsonValue>"},
    {"true", "<jsonValue>true</jsonValue>"},
    {"null", "<jsonValue/>"},
    {"{\"t\":\"<&>\\\"'\"}", "<jsonObject><t>&lt;&amp;&gt;\"'</t></jsonObject>"},
    {"{\"u\":\"h\\u00e9 \\u20ac\"}",
     "<jsonObject><u>h\xc3\xa9 \xe2\x82\xac</u></jsonObject>"},
    /* names */
    {"{\"1a\":1}", "<jsonObject><_JsonReader_PD_1a>1</_JsonReader_PD_1a></jsonObject>"},
    {"{\"9\":1}", "<jsonObject><_JsonReader_PD_9>1</_JsonReader_PD_9></jsonObject>"},
    {"{\"$b\":1}", "<jsonObject><_JsonReader_PS_b>1</_JsonReader_PS_b></jsonObject>"},
    {"{\"a$\":1}", "<jsonObject><a_JsonReader_PS_>1</a_JsonReader_PS_></jsonObject>"},
    {"{\"a b\":1}",
     "<jsonObject><a_JsonReader_0020b>1</a_JsonReader_0020b></jsonObject>"},
    {"{\"\":1}", "<jsonObject><_JsonReader_>1</_JsonReader_></jsonObject>"},
    {"{\"x:y\":1}",
     "<jsonObject><x_JsonReader_003ay>1</x_JsonReader_003ay></jsonObject>"},
    {"{\"-q\":1}", "<jsonObject><_JsonReader_002dq>1</_JsonReader_002dq></jsonObject>"},
    {"{\".q\":1}", "<jsonObject><_JsonReader_002eq>1</_JsonReader_002eq></jsonObject>"},
    {"{\"a/b\":1}",
     "<jsonObject><a_JsonReader_002fb>1</a_JsonReader_002fb></jsonObject>"},
    {"{\"@id\":1}", "<jsonObject><_JsonReader_0040id>1</_JsonReader_0040id></jsonObject>"},
    {"{\"\\u0001\":1}", "<jsonObject><_JsonReader_0001>1</_JsonReader_0001></jsonObject>"},
    {"{\"a.b-c_d\":1}", "<jsonObject><a.b-c_d>1</a.b-c_d></jsonObject>"},
    {"{\"_x\":1}", "<jsonObject><_x>1</_x></jsonObject>"},
    {"{\"\\u00e9\":1}", "<jsonObject><\xc3\xa9>1</\xc3\xa9></jsonObject>"},
    {"{\"\\ud83d\\ude00\":1}",
     "<jsonObject><\xf0\x9f\x98\x80>1</\xf0\x9f\x98\x80></jsonObject>"},
    {"{\"\\u00d7\":1}", "<jsonObject><_JsonReader_00d7>1</_JsonReader_00d7></jsonObject>"},
    {"{\"\\u20ac\":1}", "<jsonObject><\xe2\x82\xac>1</\xe2\x82\xac></jsonObject>"},
    {"{\"a\\u2000b\":1}",
     "<jsonObject><a_JsonReader_2000b>1</a_JsonReader_2000b></jsonObject>"},
    {"{\"\\udb80\\udc00\":1}",
     "<jsonObject><_JsonReader_db80_JsonReader_dc00>1</_JsonReader_db80_JsonReader_dc00>"
     "</jsonObject>"},
    {"{\"12 $\":[1]}",
     "<jsonObject><?xml-multiple _JsonReader_PD_12_JsonReader_0020_JsonReader_PS_?>"
     "<_JsonReader_PD_12_JsonReader_0020_JsonReader_PS_>1"
     "</_JsonReader_PD_12_JsonReader_0020_JsonReader_PS_></jsonObject>"},
};

static void test_json_to_xml(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof to_xml_cases / sizeof to_xml_cases[0]; i++) {
        char *x = to_xml(to_xml_cases[i].json);
        if (strcmp(x, to_xml_cases[i].xml) != 0)
            fail_msg("%s gave %s, expected %s", to_xml_cases[i].json, x,
                     to_xml_cases[i].xml);
        /* what we produce is well-formed XML */
        xmlDocPtr d = xmlReadMemory(x, (int)strlen(x), NULL, NULL,
                                    XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
        if (!d)
            fail_msg("%s is not well-formed", x);
        xmlFreeDoc(d);
        free(x);
    }
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    assert_null(mc_json_to_xml(NULL, doc));
    xmlFreeDoc(doc);
}

/* The element is created in doc and can be attached anywhere. */
static void test_json_to_xml_attach(void **state)
{
    (void)state;
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr body = xmlNewDocNode(doc, NULL, BAD_CAST "Body", NULL);
    xmlDocSetRootElement(doc, body);
    mc_json v = parse("{\"a\":[1,2],\"b\":{\"c\":\"x\"}}");
    xmlNodePtr el = mc_json_to_xml(v, doc);
    assert_non_null(el);
    assert_ptr_equal(el->doc, doc);
    assert_null(el->parent);
    xmlAddChild(body, el);
    assert_string_equal((const char *)el->name, "jsonObject");
    /* first child is the processing instruction, then two <a> */
    xmlNodePtr c = el->children;
    assert_int_equal(c->type, XML_PI_NODE);
    assert_string_equal((const char *)c->name, "xml-multiple");
    assert_string_equal((const char *)c->content, "a");
    c = c->next;
    assert_string_equal((const char *)c->name, "a");
    xmlChar *t = xmlNodeGetContent(c);
    assert_string_equal((const char *)t, "1");
    xmlFree(t);
    c = c->next;
    assert_string_equal((const char *)c->name, "a");
    c = c->next;
    assert_string_equal((const char *)c->name, "b");
    assert_null(c->next);
    mc_buf b = MC_BUF_INIT;
    mc_xml_to_json(&b, el);
    assert_string_equal(mc_buf_cstr(&b), "{\"a\":[1,2],\"b\":{\"c\":\"x\"}}");
    mc_buf_free(&b);
    xmlFreeDoc(doc);
}

/* ---- XML -> JSON -------------------------------------------------------- */

static const struct {
    const char *xml;
    const char *json;
} to_json_cases[] = {
    {"<a><b>1</b></a>", "{\"a\":{\"b\":1}}"},
    {"<a>text</a>", "{\"a\":\"text\"}"},
    {"<a/>", "{\"a\":null}"},
    {"<a></a>", "{\"a\":null}"},
    {"<a><b>1</b><b>2</b><c>x</c><b>3</b></a>", "{\"a\":{\"b\":[1,2,3],\"c\":\"x\"}}"},
    {"<a><b><c>1</c></b><b><c>2</c></b></a>", "{\"a\":{\"b\":[{\"c\":1},{\"c\":2}]}}"},
    {"<a><?xml-multiple b?><b>1</b></a>", "{\"a\":{\"b\":[1]}}"},
    {"<a><?xml-multiple  b ?><b>1</b></a>", "{\"a\":{\"b\":[1]}}"},
    {"<a><?xml-multiple b?></a>", "{\"a\":{\"b\":[]}}"},
    {"<a><?xml-multiple b?><?xml-multiple b?></a>", "{\"a\":{\"b\":[]}}"},
    {"<a><c>1</c><?xml-multiple b?><d>2</d></a>", "{\"a\":{\"c\":1,\"b\":[],\"d\":2}}"},
    {"<a><?xml-multiple c?><b>1</b></a>", "{\"a\":{\"c\":[],\"b\":1}}"},
    {"<a><?other b?><b>1</b></a>", "{\"a\":{\"b\":1}}"},
    {"<a><b>true</b><c>false</c><d>007</d><e>-1.5e3</e><f> 1 </f><g>1.</g>"
     "<h>TRUE</h><i>null</i><j>0</j><k>-0.0</k><l>+1</l><m>1e5</m><n>.5</n>"
     "<o>0x1F</o><p>1,5</p><q>NaN</q></a>",
     "{\"a\":{\"b\":true,\"c\":false,\"d\":\"007\",\"e\":-1.5e3,\"f\":\" 1 \","
     "\"g\":\"1.\",\"h\":\"TRUE\",\"i\":\"null\",\"j\":0,\"k\":-0.0,\"l\":\"+1\","
     "\"m\":1e5,\"n\":\".5\",\"o\":\"0x1F\",\"p\":\"1,5\",\"q\":\"NaN\"}}"},
    {"<a><![CDATA[<x>&]]></a>", "{\"a\":\"<x>&\"}"},
    {"<a>x<![CDATA[y]]>z</a>", "{\"a\":\"xyz\"}"},
    {"<a>&lt;&amp;&gt;&quot;&apos;</a>", "{\"a\":\"<&>\\\"'\"}"},
    {"<a>line1&#10;\"q\"\\&#9;</a>", "{\"a\":\"line1\\n\\\"q\\\"\\\\\\t\"}"},
    {"<a>h\xc3\xa9</a>", "{\"a\":\"h\xc3\xa9\"}"},
    {"<a>\n  <b>1</b>\n  <!-- c -->\n  <c>2</c>\n</a>", "{\"a\":{\"b\":1,\"c\":2}}"},
    {"<a>  </a>", "{\"a\":\"  \"}"},
    {"<a><!-- only a comment --></a>", "{\"a\":null}"},
    {"<a>x<b>1</b>y</a>", "{\"a\":{\"$\":\"xy\",\"b\":1}}"},
    {"<a><b>1</b>7</a>", "{\"a\":{\"b\":1,\"$\":7}}"},
    {"<a id=\"1\"><b k=\"v\">2</b></a>", "{\"a\":{\"@id\":\"1\",\"b\":{\"@k\":\"v\",\"$\":2}}}"},
    {"<a id=\"1\"/>", "{\"a\":{\"@id\":\"1\"}}"},
    {"<a xmlns=\"urn:x\"><b>1</b></a>", "{\"a\":{\"b\":1}}"},
    {"<p:a xmlns:p=\"urn:p\"><p:b>1</p:b></p:a>",
     "{\"a\":{\"b\":1}}"},
    {"<a xmlns=\"u\">5</a>", "{\"a\":5}"},
    {"<a xmlns=\"u\"/>", "{\"a\":null}"},
    {"<p:a xmlns:p=\"urn:p\" xmlns:q=\"urn:q\"><q:b>x</q:b><p:b>y</p:b></p:a>",
     "{\"a\":{\"b\":[\"x\",\"y\"]}}"},
    /* Synapse's wrappers */
    {"<jsonObject><a>1</a><b><c>x</c></b></jsonObject>", "{\"a\":1,\"b\":{\"c\":\"x\"}}"},
    {"<jsonObject/>", "{}"},
    {"<jsonObject><?xml-multiple a?></jsonObject>", "{\"a\":[]}"},
    {"<jsonObject><jsonObject>1</jsonObject></jsonObject>", "{\"jsonObject\":1}"},
    {"<jsonArray><?xml-multiple jsonElement?><jsonElement>1</jsonElement>"
     "<jsonElement><x>2</x></jsonElement></jsonArray>",
     "[1,{\"x\":2}]"},
    {"<jsonArray><jsonElement>1</jsonElement></jsonArray>", "[1]"},
    {"<jsonArray><jsonElement/><jsonElement>a</jsonElement></jsonArray>", "[null,\"a\"]"},
    {"<jsonArray/>", "[]"},
    {"<jsonArray><?xml-multiple jsonElement?></jsonArray>", "[]"},
    {"<jsonArray><x>1</x></jsonArray>", "{\"jsonArray\":{\"x\":1}}"},
    {"<jsonValue>5</jsonValue>", "5"},
    {"<jsonValue>s</jsonValue>", "\"s\""},
    {"<jsonValue/>", "null"},
    {"<jsonValue>true</jsonValue>", "true"},
    /* nested arrays */
    {"<r><x><?xml-multiple jsonElement?><jsonElement>1</jsonElement></x></r>",
     "{\"r\":{\"x\":[1]}}"},
    {"<r><x><?xml-multiple jsonElement?></x></r>", "{\"r\":{\"x\":[]}}"},
    {"<r><jsonElement>1</jsonElement><jsonElement>2</jsonElement></r>",
     "{\"r\":{\"jsonElement\":[1,2]}}"},
    {"<r><x><?xml-multiple jsonElement?><jsonElement>1</jsonElement><y>2</y></x></r>",
     "{\"r\":{\"x\":{\"jsonElement\":[1],\"y\":2}}}"},
    /* escaped names */
    {"<a><_JsonReader_PD_1a>1</_JsonReader_PD_1a><_JsonReader_PS_b>2</_JsonReader_PS_b>"
     "<x_JsonReader_003ay>3</x_JsonReader_003ay><_JsonReader_>4</_JsonReader_>"
     "<_JsonReader_d83d_JsonReader_de00>5</_JsonReader_d83d_JsonReader_de00>"
     "<a_JsonReader_0020b_JsonReader_PS_>6</a_JsonReader_0020b_JsonReader_PS_></a>",
     "{\"a\":{\"1a\":1,\"$b\":2,\"x:y\":3,\"\":4,\"\xf0\x9f\x98\x80\":5,\"a b$\":6}}"},
    {"<_JsonReader_PD_1>x</_JsonReader_PD_1>", "{\"1\":\"x\"}"},
    {"<a><_JsonReader_00d7>1</_JsonReader_00d7><a_JsonReader_2000b>2</a_JsonReader_2000b>"
     "<_JsonReader_DB80_JsonReader_DC00>3</_JsonReader_DB80_JsonReader_DC00>"
     "<_JsonReader_d83d>4</_JsonReader_d83d></a>",
     "{\"a\":{\"\xc3\x97\":1,\"a\xe2\x80\x80" "b\":2,\"\xf3\xb0\x80\x80\":3,"
     "\"_JsonReader_d83d\":4}}"},
    {"<a><_JsonReader_zz>1</_JsonReader_zz><_JsonReader_00>2</_JsonReader_00>"
     "<b_JsonReader_>3</b_JsonReader_></a>",
     "{\"a\":{\"_JsonReader_zz\":1,\"_JsonReader_00\":2,\"b_JsonReader_\":3}}"},
    {"<a><?xml-multiple _JsonReader_PD_1?></a>", "{\"a\":{\"1\":[]}}"},
};

static void test_xml_to_json(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof to_json_cases / sizeof to_json_cases[0]; i++) {
        char *j = to_json(to_json_cases[i].xml);
        if (strcmp(j, to_json_cases[i].json) != 0)
            fail_msg("%s gave %s, expected %s", to_json_cases[i].xml, j,
                     to_json_cases[i].json);
        /* always valid JSON */
        if (!mc_json_valid(j, strlen(j)))
            fail_msg("%s gave invalid JSON %s", to_json_cases[i].xml, j);
        free(j);
    }
    mc_buf b = MC_BUF_INIT;
    mc_xml_to_json(&b, NULL);
    assert_string_equal(mc_buf_cstr(&b), "null");
    mc_buf_free(&b);

    /* a non-element node */
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr t = xmlNewDocText(doc, BAD_CAST "x");
    mc_buf_reset(&b);
    mc_xml_to_json(&b, t);
    assert_string_equal(mc_buf_cstr(&b), "null");
    xmlFreeNode(t);
    xmlFreeDoc(doc);
    mc_buf_free(&b);

    /* appends to what the buffer holds */
    mc_buf_puts(&b, "x=");
    doc = xmlReadMemory("<a>1</a>", 8, NULL, NULL, 0);
    mc_xml_to_json(&b, xmlDocGetRootElement(doc));
    assert_string_equal(mc_buf_cstr(&b), "x={\"a\":1}");
    xmlFreeDoc(doc);
    mc_buf_free(&b);
}

/* A child element of a larger document converts on its own. */
static void test_xml_subtree(void **state)
{
    (void)state;
    const char *soap =
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
        "<soapenv:Body><order><id>7</id><item>a</item><item>b</item></order>"
        "</soapenv:Body></soapenv:Envelope>";
    xmlDocPtr doc = xmlReadMemory(soap, (int)strlen(soap), NULL, NULL, 0);
    assert_non_null(doc);
    xmlNodePtr body = xmlDocGetRootElement(doc)->children;
    xmlNodePtr order = body->children;
    mc_buf b = MC_BUF_INIT;
    mc_xml_to_json(&b, order);
    assert_string_equal(mc_buf_cstr(&b), "{\"order\":{\"id\":7,\"item\":[\"a\",\"b\"]}}");
    mc_buf_free(&b);
    xmlFreeDoc(doc);
}

/* ---- round trips -------------------------------------------------------- */

static const char *const roundtrips[] = {
    "{\"a\":1}",
    "{\"a\":\"x\",\"b\":true,\"c\":false,\"d\":null,\"e\":1.50,\"f\":-3e-2}",
    "{\"a\":[1,2,3]}",
    "{\"a\":[1]}",
    "{\"a\":[]}",
    "{\"a\":[],\"b\":[],\"c\":[1]}",
    "{\"a\":[[1,2],[3],[]],\"b\":[[[]]]}",
    "{\"a\":[{\"b\":[1]},{\"b\":[]},{\"c\":null}]}",
    "{\"a\":{\"b\":{\"c\":{\"d\":\"deep\"}}}}",
    "{\"a\":[null,null],\"b\":[true,false]}",
    "{\"arr\":[{\"x\":[[1]]}],\"n\":[[[[\"x\"]]]]}",
    "[1,\"two\",{\"three\":3},[4],[],null,true]",
    "[]",
    "[[]]",
    "[{\"a\":[]}]",
    "{}",
    "\"str\"",
    "42",
    "-0.5E-3",
    "null",
    "true",
    "{\"1a\":1,\"$b\":2,\"a b\":3,\"\":4,\"x:y\":5,\"\xc3\xa9\":6,\"-q\":7,\"a$\":8,"
    "\"\xf0\x9f\x98\x80\":9,\"a.b\":10,\"1\":[1,2],\"\\u0001x\":\"ctl-key\","
    "\"@attr\":\"v\",\"#text\":\"t\",\"a/b\":[]}",
    "{\"text\":\"<tag attr=\\\"v\\\">&amp; 'q'</tag>\",\"uni\":\"h\xc3\xa9llo "
    "w\xc3\xb6rld \xe2\x82\xac\",\"nl\":\"a\\nb\",\"tab\":\"a\\tb\",\"sp\":\" x \"}",
    "{\"jsonElement\":[1,2]}",
    "{\"jsonObject\":{\"jsonArray\":[1]}}",
    "{\"order\":{\"id\":\"A-1\",\"lines\":[{\"sku\":\"x\",\"qty\":2,\"price\":9.99},"
    "{\"sku\":\"y\",\"qty\":1,\"price\":0.5}],\"notes\":[],\"paid\":false}}",
};

static void check_roundtrip(const char *json, const char *expect)
{
    mc_json v = parse(json);
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr el = mc_json_to_xml(v, doc);
    assert_non_null(el);
    xmlDocSetRootElement(doc, el);

    /* straight from the tree */
    mc_buf b = MC_BUF_INIT;
    mc_xml_to_json(&b, el);
    mc_buf want = MC_BUF_INIT;
    if (expect) {
        mc_buf_puts(&want, expect);
    } else {
        mc_json_write(&want, v);
    }
    if (strcmp(mc_buf_cstr(&b), mc_buf_cstr(&want)) != 0)
        fail_msg("%s came back as %s, expected %s", json, mc_buf_cstr(&b),
                 mc_buf_cstr(&want));

    /* and through serialised XML text */
    xmlChar *text;
    int len;
    xmlDocDumpMemory(doc, &text, &len);
    xmlDocPtr again = xmlReadMemory((const char *)text, len, NULL, NULL,
                                    XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
    if (!again)
        fail_msg("%s: XML %s does not parse", json, text);
    mc_buf_reset(&b);
    mc_xml_to_json(&b, xmlDocGetRootElement(again));
    if (strcmp(mc_buf_cstr(&b), mc_buf_cstr(&want)) != 0)
        fail_msg("%s via %s came back as %s", json, text, mc_buf_cstr(&b));
    xmlFree(text);
    xmlFreeDoc(again);

    mc_buf_free(&b);
    mc_buf_free(&want);
    xmlFreeDoc(doc);
}

static void test_roundtrip(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof roundtrips / sizeof roundtrips[0]; i++)
        check_roundtrip(roundtrips[i], NULL);
}

/* What Synapse's mapping cannot keep, the same way Synapse loses it. */
static void test_lossy(void **state)
{
    (void)state;
    check_roundtrip("{\"s\":\"123\"}", "{\"s\":123}");
    check_roundtrip("{\"s\":\"true\"}", "{\"s\":true}");
    check_roundtrip("{\"s\":\"\"}", "{\"s\":null}");
    check_roundtrip("{\"o\":{}}", "{\"o\":null}");
    check_roundtrip("[{}]", "[null]");
    check_roundtrip("\"\"", "null");
    check_roundtrip("{\"x\":{\"jsonElement\":[1,2]}}", "{\"x\":[1,2]}");
    check_roundtrip("{\"a\":1,\"a\":2}", "{\"a\":[1,2]}");
    check_roundtrip("{\"a\":[1],\"b\":2,\"a\":3}", "{\"a\":[1,3],\"b\":2}");
}

/* A bigger document both ways. */
static void test_large(void **state)
{
    (void)state;
    mc_buf j = MC_BUF_INIT;
    mc_buf_puts(&j, "{\"rows\":[");
    for (int i = 0; i < 2000; i++)
        mc_buf_printf(&j, "%s{\"id\":%d,\"name\":\"row %d\",\"tags\":[\"t%d\"],"
                          "\"sub\":{\"v\":%d.5,\"e\":[]}}",
                      i ? "," : "", i, i, i % 7, i);
    mc_buf_puts(&j, "]}");
    check_roundtrip(mc_buf_cstr(&j), NULL);
    mc_buf_free(&j);
}

/* XML -> JSON work at 1x and 8x the size, in one run: the nodes the
 * conversion visits (no clock).  Linear gives 8x; the sibling-by-sibling
 * grouping it replaced gave 64x for distinct names. */
static size_t work_for(const char *shape, int n)
{
    mc_buf x = MC_BUF_INIT;
    mc_buf_puts(&x, "<root>");
    for (int i = 0; i < n; i++) {
        if (strcmp(shape, "distinct") == 0)
            mc_buf_printf(&x, "<n%d>%d</n%d>", i, i, i);
        else if (strcmp(shape, "repeated") == 0)
            mc_buf_printf(&x, "<item>%d</item><other%d/>", i, i % 3);
        else if (strcmp(shape, "marked") == 0)
            mc_buf_printf(&x, "<?xml-multiple m%d?><m%d>1</m%d>", i, i, i);
        else /* attributes */
            mc_buf_printf(&x, "<e a%d=\"%d\"/>", i, i);
    }
    if (strcmp(shape, "attributes") == 0) {
        mc_buf_reset(&x);
        mc_buf_puts(&x, "<root");
        for (int i = 0; i < n; i++)
            mc_buf_printf(&x, " a%d=\"%d\"", i, i);
        mc_buf_puts(&x, "><c>1</c>");
    }
    mc_buf_puts(&x, "</root>");
    xmlDocPtr doc = xmlReadMemory(x.data, (int)x.len, NULL, NULL, XML_PARSE_NOBLANKS);
    assert_non_null(doc);
    mc_buf out = MC_BUF_INIT;
    size_t steps = mc_xml_to_json(&out, xmlDocGetRootElement(doc));
    assert_false(out.oom);
    assert_true(mc_json_valid(out.data, out.len));
    mc_buf_free(&out);
    xmlFreeDoc(doc);
    mc_buf_free(&x);
    return steps;
}

static void test_linear_work(void **state)
{
    (void)state;
    static const char *const shapes[] = {"distinct", "repeated", "marked", "attributes"};
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        size_t w1 = work_for(shapes[i], 2500), w8 = work_for(shapes[i], 20000);
        double ratio = (double)w8 / (double)w1;
        if (ratio > 8.5 || ratio < 7.5)
            fail_msg("%s: %zu steps at 1x, %zu at 8x (ratio %.1f, linear is 8)", shapes[i],
                     w1, w8, ratio);
    }
    /* the case: 40,000 distinct sibling names */
    size_t w = work_for("distinct", 40000);
    if (w > 10 * 40000)
        fail_msg("40,000 distinct names: %zu steps, more than 10 a node", w);
}

/* ---- XML -> JSON with Synapse's output properties (<jsontransform>) ----- */

static char *to_json_opts(const char *xml, const mc_xml_json_opts *o)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
    if (!doc)
        fail_msg("'%s' is not XML", xml);
    mc_buf b = MC_BUF_INIT;
    mc_xml_to_json_opts(&b, xmlDocGetRootElement(doc), o);
    xmlFreeDoc(doc);
    assert_false(b.oom);
    return mc_buf_steal(&b);
}

/* a fake regex for the test: text that starts with a digit stays a string */
static bool digits_stay(const void *ud, const char *s, size_t n)
{
    (void)ud;
    return n && s[0] >= '0' && s[0] <= '9';
}

static void test_output_properties(void **state)
{
    (void)state;
    static const mc_xml_json_opts defaults = {.ns_sep = '_'};
    static const mc_xml_json_opts no_prim = {.no_auto_primitive = true, .ns_sep = '_'};
    static const mc_xml_json_opts keep = {.keep_string = digits_stay, .ns_sep = '_'};
    static const mc_xml_json_opts empty = {.empty_as_string = true, .ns_sep = '_'};
    static const mc_xml_json_opts nil = {.nil_as_null = true, .ns_sep = '_'};
    static const mc_xml_json_opts ns = {.ns_declarations = true, .prefixes = true, .ns_sep = '^'};
    static const mc_xml_json_opts decl = {.ns_declarations = true, .ns_sep = '_'};
    static const mc_xml_json_opts nc = {.nc_names = true, .ns_sep = '_'};
    static const struct {
        const mc_xml_json_opts *o;
        const char *xml, *json;
    } cases[] = {
        /* NULL and zero options are the default mapping */
        {NULL, "<r><a>1</a><b>true</b><c/></r>", "{\"r\":{\"a\":1,\"b\":true,\"c\":null}}"},
        {&defaults, "<p:r xmlns:p=\"urn:p\"><p:a>1</p:a></p:r>", "{\"r\":{\"a\":1}}"},
        {&no_prim, "<jsonObject><f>12345</f><p>7.5</p><b>true</b><e/></jsonObject>",
         "{\"f\":\"12345\",\"p\":\"7.5\",\"b\":\"true\",\"e\":null}"},
        {&no_prim, "<r a=\"1\">2</r>", "{\"r\":{\"@a\":\"1\",\"$\":\"2\"}}"},
        {&keep, "<r><n>25e1</n><b>true</b><m>-1</m></r>", "{\"r\":{\"n\":\"25e1\",\"b\":true,\"m\":-1}}"},
        {&empty, "<r><e/><f></f><g>x</g></r>", "{\"r\":{\"e\":\"\",\"f\":\"\",\"g\":\"x\"}}"},
        {&nil, "<r xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><a i:nil=\"true\"/>"
               "<b i:nil=\"1\">x</b><c i:nil=\"false\">2</c><d/></r>",
         "{\"r\":{\"a\":null,\"b\":null,\"c\":2,\"d\":null}}"},
        /* without the property, nil is an attribute like any other */
        {&defaults, "<r xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><a i:nil=\"true\"/></r>",
         "{\"r\":{\"a\":{\"@nil\":\"true\"}}}"},
        {&ns, "<ns:stock xmlns:ns=\"http://services.samples\"><ns:name>WSO2</ns:name></ns:stock>",
         "{\"ns^stock\":{\"@xmlns^ns\":\"http://services.samples\",\"ns^name\":\"WSO2\"}}"},
        {&ns, "<r xmlns=\"urn:d\" xmlns:q=\"urn:q\" q:at=\"v\"><a>1</a></r>",
         "{\"r\":{\"@xmlns\":\"urn:d\",\"@xmlns^q\":\"urn:q\",\"@q^at\":\"v\",\"a\":1}}"},
        {&decl, "<r xmlns:q=\"urn:q\"><q:a>1</q:a></r>", "{\"r\":{\"@xmlns_q\":\"urn:q\",\"a\":1}}"},
        {&nc, "<stock_JsonReader_32_quote><name>W</name></stock_JsonReader_32_quote>",
         "{\"stock quote\":{\"name\":\"W\"}}"},
        {&nc, "<a_JsonReader_36__JsonReader_x_><b_JsonReader_233_/></a_JsonReader_36__JsonReader_x_>",
         "{\"a$_JsonReader_x_\":{\"b\xc3\xa9\":null}}"},
        {&defaults, "<stock_JsonReader_32_quote/>", "{\"stock_JsonReader_32_quote\":null}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *got = to_json_opts(cases[i].xml, cases[i].o);
        if (strcmp(got, cases[i].json) != 0)
            fail_msg("case %zu: %s -> %s, want %s", i, cases[i].xml, got, cases[i].json);
        free(got);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_to_xml),
        cmocka_unit_test(test_json_to_xml_attach),
        cmocka_unit_test(test_xml_to_json),
        cmocka_unit_test(test_xml_subtree),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_lossy),
        cmocka_unit_test(test_large),
        cmocka_unit_test(test_linear_work),
        cmocka_unit_test(test_output_properties),
    };
    mc_arena_init(&trees, 4096);
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    mc_arena_free(&trees);
    xmlCleanupParser();
    return rc;
}
