/* forms.c - HTML form bodies as MI's builders present them to a flow:
 * application/x-www-form-urlencoded becomes <xformValues> with one child
 * element per field (XFormURLEncodedBuilder), multipart/form-data becomes
 * <mediate> with one child per part, a file part's bytes in base64 with
 * its filename as an attribute (the multipart builder).  Field names must
 * be XML names; counts are bounded. */
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>
#include <libxml/valid.h>

#include "msg/payload.h"
#include "msg/soap.h"
#include "util/codec.h"

/* Fields in one form; more is refused (MC_ELIMIT). */
#define MC_FORM_MAX_FIELDS 1000

typedef struct form {
    xmlDocPtr doc;
    xmlNodePtr root;
    size_t n;
} form;

static mc_code form_start(form *f, const char *root)
{
    f->doc = xmlNewDoc(BAD_CAST "1.0");
    f->root = f->doc ? xmlNewDocNode(f->doc, NULL, BAD_CAST root, NULL) : NULL;
    if (!f->root) {
        xmlFreeDoc(f->doc);
        return MC_ENOMEM;
    }
    xmlDocSetRootElement(f->doc, f->root);
    f->n = 0;
    return MC_OK;
}

/* One field: name (not NUL-terminated) -> <name>value</name>. */
static mc_code form_add(form *f, const char *name, size_t nl, const char *value, size_t vl,
                        const char *filename, mc_err *err)
{
    if (++f->n > MC_FORM_MAX_FIELDS)
        return mc_err_set(err, MC_ELIMIT, "the form has more than %d fields",
                          MC_FORM_MAX_FIELDS);
    char *nm = strndup(name, nl);
    if (!nm)
        return mc_err_set(err, MC_ENOMEM, "out of memory");
    if (xmlValidateNCName(BAD_CAST nm, 0) != 0) {
        mc_err_set(err, MC_EPARSE, "form field name '%.64s' is not an XML name", nm);
        free(nm);
        return MC_EPARSE;
    }
    xmlNodePtr e = xmlNewDocNode(f->doc, NULL, BAD_CAST nm, NULL);
    free(nm);
    xmlNodePtr t = e ? xmlNewDocTextLen(f->doc, BAD_CAST value, (int)vl) : NULL;
    if (!t || !xmlAddChild(e, t) || !xmlAddChild(f->root, e)) {
        xmlFreeNode(t);
        xmlFreeNode(e);
        return mc_err_set(err, MC_ENOMEM, "out of memory");
    }
    if (filename)
        xmlSetProp(e, BAD_CAST "filename", BAD_CAST filename);
    return MC_OK;
}

static mc_code parse_urlencoded(form *f, const char *data, size_t len, mc_err *err)
{
    mc_buf k = MC_BUF_INIT, v = MC_BUF_INIT;
    mc_code rc = MC_OK;
    for (const char *p = data, *end = data + len; p < end && rc == MC_OK;) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *e = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(e - p));
        mc_buf_reset(&k);
        mc_buf_reset(&v);
        if (e > p) {
            const char *ke = eq ? eq : e;
            if (!mc_url_decode(&k, p, (size_t)(ke - p), true) ||
                !mc_url_decode(&v, eq ? eq + 1 : e, eq ? (size_t)(e - eq - 1) : 0, true))
                rc = mc_err_set(err, MC_EPARSE, "the form body has a bad %%-escape");
            else if (k.len)
                rc = form_add(f, mc_buf_cstr(&k), k.len, mc_buf_cstr(&v), v.len, NULL, err);
        }
        p = e + 1;
    }
    mc_buf_free(&k);
    mc_buf_free(&v);
    return rc;
}

/* The value of parameter `name` in a header value (boundary=..., name="..."),
 * unquoted, into out; false when absent. */
static bool header_param(const char *h, size_t hl, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i + nl < hl; i++) {
        if ((i && h[i - 1] != ';' && h[i - 1] != ' ' && h[i - 1] != '\t') ||
            strncasecmp(h + i, name, nl) != 0 || h[i + nl] != '=')
            continue;
        const char *v = h + i + nl + 1, *end = h + hl;
        size_t n;
        if (v < end && *v == '"') {
            v++;
            const char *q = memchr(v, '"', (size_t)(end - v));
            n = q ? (size_t)(q - v) : (size_t)(end - v);
        } else {
            n = strcspn(v, ";\r\n");
            if (n > (size_t)(end - v))
                n = (size_t)(end - v);
            while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
                n--;
        }
        if (n >= cap)
            return false;
        memcpy(out, v, n);
        out[n] = '\0';
        return true;
    }
    return false;
}

static const char *find(const char *hay, size_t hl, const char *needle, size_t nl)
{
    return nl <= hl ? memmem(hay, hl, needle, nl) : NULL;
}

/* One part: headers, blank line, content. */
static mc_code add_part(form *f, const char *p, size_t n, mc_err *err)
{
    const char *sep = find(p, n, "\r\n\r\n", 4);
    size_t skip = 4;
    if (!sep) {
        sep = find(p, n, "\n\n", 2);
        skip = 2;
    }
    if (!sep)
        return mc_err_set(err, MC_EPARSE, "a multipart/form-data part has no header end");
    const char *hdrs = p;
    size_t hl = (size_t)(sep - p);
    const char *body = sep + skip;
    size_t bl = n - hl - skip;
    char name[256], filename[512];
    const char *cd = NULL;
    for (const char *l = hdrs; l < hdrs + hl;) {
        const char *nl = memchr(l, '\n', (size_t)(hdrs + hl - l));
        const char *le = nl ? nl : hdrs + hl;
        if ((size_t)(le - l) > 20 && strncasecmp(l, "Content-Disposition:", 20) == 0)
            cd = l;
        if (cd == l) {
            hl = (size_t)(le - l);
            break;
        }
        l = le + 1;
    }
    if (!cd || !header_param(cd, hl, "name", name, sizeof name) || !*name)
        return mc_err_set(err, MC_EPARSE, "a multipart/form-data part has no "
                          "Content-Disposition name");
    bool file = header_param(cd, hl, "filename", filename, sizeof filename);
    if (!file)
        return form_add(f, name, strlen(name), body, bl, NULL, err);
    mc_buf b64 = MC_BUF_INIT;
    mc_base64_encode(&b64, body, bl);
    mc_code rc = b64.oom ? mc_err_set(err, MC_ENOMEM, "out of memory")
                         : form_add(f, name, strlen(name), mc_buf_cstr(&b64), b64.len,
                                    filename, err);
    mc_buf_free(&b64);
    return rc;
}

static mc_code parse_multipart(form *f, const char *data, size_t len, const char *ct,
                               mc_err *err)
{
    char boundary[200], delim[204];
    if (!header_param(ct, strlen(ct), "boundary", boundary, sizeof boundary) || !*boundary)
        return mc_err_set(err, MC_EPARSE, "multipart/form-data without a boundary");
    size_t dl = (size_t)snprintf(delim, sizeof delim, "--%s", boundary);
    const char *end = data + len;
    const char *p = find(data, len, delim, dl);
    if (!p)
        return mc_err_set(err, MC_EPARSE, "the multipart/form-data body has no boundary "
                          "line");
    for (;;) {
        p += dl;
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            return MC_OK; /* the closing delimiter */
        /* the rest of the boundary line */
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break;
        p = nl + 1;
        const char *next = find(p, (size_t)(end - p), delim, dl);
        if (!next)
            break;
        /* the part ends before the CRLF that precedes the delimiter */
        const char *pe = next;
        if (pe > p && pe[-1] == '\n')
            pe--;
        if (pe > p && pe[-1] == '\r')
            pe--;
        mc_code rc = add_part(f, p, (size_t)(pe - p), err);
        if (rc != MC_OK)
            return rc;
        p = next;
    }
    return mc_err_set(err, MC_EPARSE, "the multipart/form-data body has no closing "
                      "boundary");
}

mc_code mc_msg_set_form(mc_message *m, const char *data, size_t len, const char *ct,
                        mc_err *err)
{
    bool multipart = mc_wire_of(ct) == MC_WIRE_MULTIPART;
    form f;
    if (form_start(&f, multipart ? "mediate" : "xformValues") != MC_OK)
        return mc_err_set(err, MC_ENOMEM, "out of memory");
    mc_code rc = multipart ? parse_multipart(&f, data, len, ct, err)
                           : parse_urlencoded(&f, data, len, err);
    if (rc == MC_OK)
        rc = mc_msg_set_xml_node(m, f.root);
    xmlFreeDoc(f.doc);
    if (rc != MC_OK)
        return err && err->code ? rc : mc_err_set(err, rc, "out of memory");
    mc_msg_set_propz(m, MC_SCOPE_AXIS2, "messageType", ct);
    mc_msg_set_propz(m, MC_SCOPE_AXIS2, "ContentType", ct);
    return MC_OK;
}
