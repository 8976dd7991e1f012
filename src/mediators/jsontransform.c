/* jsontransform.c - MI's <jsontransform> (Synapse's JSONTransformMediator)
 * with its JSON output <property>s: the payload's XML (the Body's first
 * element; for a JSON payload its XML view) becomes the JSON payload,
 * written with the properties it names (autoPrimitive, its regex,
 * namespaces, nil, empty elements, NC names) instead of the defaults.
 * Its `schema` (MI's JsonProcessor: schema-driven type correction) is not
 * done yet: a load error says so. */
#include <string.h>
#include <strings.h>

#include "expr/regex.h"
#include "mediators/mediators.h"

typedef struct jsontransform_m {
    mc_mediator base;
    mc_xml_json_opts opts;
    const mc_regex *keep;      /* disableAutoPrimitive.regex */
} jsontransform_m;

#define OUT "synapse.commons.json.output."

static bool keep_string(const void *ud, const char *s, size_t n)
{
    return mc_regex_matches(ud, s, n);
}

/* A property's boolean, as Boolean.parseBoolean reads it. */
static bool truth(const char *v)
{
    return v && strcasecmp(v, "true") == 0;
}

/* One <property name value>: into the options, or a warning for what has
 * no effect here.  False after an error. */
static bool set_property(mc_compiler *cc, xmlNodePtr p, jsontransform_m *j)
{
    static const char *const attrs[] = {"name", "value", NULL};
    mc_check_attrs(cc, p, attrs);
    const char *name = mc_attr(cc, p, "name"), *value = mc_attr(cc, p, "value");
    if (!name || !*name || !value) {
        mc_diag(cc, p, NULL, MC_DIAG_ERROR, "a <jsontransform> <property> needs a 'name' and a 'value'");
        return false;
    }
    mc_xml_json_opts *o = &j->opts;
    if (strcmp(name, OUT "autoPrimitive") == 0) {
        o->no_auto_primitive = !truth(value);
    } else if (strcmp(name, OUT "disableAutoPrimitive.regex") == 0) {
        mc_regex *re = mc_compile_regex(cc, p, "value", value);
        if (!re)
            return false;
        j->keep = re;   /* the configuration owns it */
        o->keep_string = keep_string;
        o->ud = re;
    } else if (strcmp(name, OUT "emptyXmlElemToEmptyStr") == 0) {
        o->empty_as_string = truth(value);
    } else if (strcmp(name, "synapse.commons.enableXmlNilReadWrite") == 0) {
        o->nil_as_null = truth(value);
    } else if (strcmp(name, OUT "enableNSDeclarations") == 0) {
        o->ns_declarations = truth(value);
    } else if (strcmp(name, "synapse.commons.json.preserve.namespace") == 0) {
        o->prefixes = truth(value);
    } else if (strcmp(name, OUT "namespaceSepChar") == 0) {
        if (strlen(value) != 1) {
            mc_diag(cc, p, "value", MC_DIAG_ERROR, "namespaceSepChar is one character, not '%s'", value);
            return false;
        }
        o->ns_sep = value[0];
    } else if (strcmp(name, "synapse.commons.json.buildValidNCNames") == 0) {
        o->nc_names = truth(value);
    } else {
        /* MI passes every property to its JSON output factory, which
         * ignores those it does not know; the input-side ones
         * (enableXmlNullForEmptyElement, ...) change nothing here */
        mc_diag(cc, p, NULL, MC_DIAG_WARNING, "'%s' changes nothing in <jsontransform>'s XML to "
                "JSON conversion; ignored", name);
    }
    return true;
}

static mc_mediator *compile(mc_compiler *cc, xmlNodePtr node)
{
    static const char *const attrs[] = {"schema", NULL};
    mc_check_attrs(cc, node, attrs);
    if (mc_attr(cc, node, "schema")) {
        mc_diag(cc, node, "schema", MC_DIAG_ERROR, "<jsontransform schema> (MI's JSON schema-driven "
                "type correction) is not supported by mediac yet; its JSON output <property>s are");
        return NULL;
    }
    jsontransform_m *j = mc_new_mediator(cc, node, &mc_med_jsontransform, sizeof *j);
    if (!j)
        return NULL;
    j->opts.ns_sep = '_';
    size_t n = 0;
    for (xmlNodePtr c = mc_first_elem(node); c; c = mc_next_elem(c)) {
        if (strcmp((const char *)c->name, "property") != 0) {
            if (strcmp((const char *)c->name, "description") != 0)
                mc_diag(cc, c, NULL, MC_DIAG_WARNING, "<%s> in <jsontransform> is ignored, as MI "
                        "ignores it (only <property>)", (const char *)c->name);
            continue;
        }
        if (!set_property(cc, c, j))
            return NULL;
        n++;
    }
    if (!n) {
        mc_diag(cc, node, NULL, MC_DIAG_ERROR,
                "jsontransform mediator should contain either a schema or custom properties");
        return NULL;
    }
    return &j->base;
}

static mc_flow exec(const mc_mediator *self, mc_message *m)
{
    const jsontransform_m *j = (const jsontransform_m *)self;
    xmlNodePtr root = mc_msg_payload_root(m);
    if (!root)
        return mc_fault(m, "0", "jsontransform: the message has no XML element to convert to JSON");
    /* MI replaces the JSON stream and leaves messageType as it is (a flow
     * sets it to answer in JSON) */
    const mc_prop *mt = mc_msg_get_prop(m, MC_SCOPE_AXIS2, "messageType");
    const char *type = mt ? mc_arena_strndup(&m->arena, mt->value, mt->len) : NULL;
    mc_buf b = MC_BUF_INIT;
    mc_xml_to_json_opts(&b, root, &j->opts);
    mc_code rc = b.oom ? MC_ENOMEM : mc_msg_set_json(m, b.data, b.len);
    mc_buf_free(&b);
    if (rc != MC_OK)
        return mc_fault(m, "0", "jsontransform: the JSON payload could not be set");
    if (type)
        mc_msg_set_propz(m, MC_SCOPE_AXIS2, "messageType", type);
    return MC_FLOW_NEXT;
}

const mc_mediator_type mc_med_jsontransform = {"jsontransform", compile, exec, NULL, false};
