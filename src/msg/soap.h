/* soap.h - SOAP envelopes and wire formats as Axis2's builders and
 * formatters (WSO2 MI) handle them: which format a content type names,
 * the version of an envelope, SOAP 1.1 <-> 1.2 conversion (Synapse's
 * SOAPUtils rules), SOAP faults, WS-Addressing header blocks, and the
 * payload serialised in a given format.  Internal to mediac. */
#ifndef MC_SOAP_H
#define MC_SOAP_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

#include "msg/msg.h"
#include "util/buf.h"

/* A message format on the wire, as MI's messageType / ContentType name it. */
typedef enum mc_wire {
    MC_WIRE_NONE = 0,
    MC_WIRE_JSON,        /* application/json, +json */
    MC_WIRE_SOAP11,      /* text/xml: a SOAP 1.1 envelope */
    MC_WIRE_SOAP12,      /* application/soap+xml: a SOAP 1.2 envelope */
    MC_WIRE_POX,         /* application/xml, +xml, text/xml for REST */
    MC_WIRE_TEXT,        /* text/plain and other text/ types */
    MC_WIRE_FORM,        /* application/x-www-form-urlencoded */
    MC_WIRE_MULTIPART,   /* multipart/form-data */
    MC_WIRE_BINARY       /* anything else: bytes passed through */
} mc_wire;

/* The format a content type names (its media type, parameters ignored);
 * MC_WIRE_NONE for NULL or empty. */
mc_wire mc_wire_of(const char *content_type);

/* How a payload error about a SOAP version mismatch begins (the host
 * answers it with a VersionMismatch fault). */
#define MC_SOAP_VERSION_MISMATCH "SOAP version mismatch"

/* 11 or 12 for a SOAP envelope namespace URI, else 0. */
int mc_soap_ns_version(const char *href);
/* The version of a document whose root is a SOAP Envelope, else 0. */
int mc_soap_doc_version(xmlDocPtr doc);
/* The Envelope's child element `local` (Header, Body), or NULL. */
xmlNodePtr mc_soap_part(xmlDocPtr doc, const char *local);
/* The Header element, made (first child of the Envelope) when create. */
xmlNodePtr mc_soap_header(xmlDocPtr doc, bool create);
/* Does the Body's first element child be a Fault? */
bool mc_soap_has_fault(xmlDocPtr doc);

/* Convert an envelope in place to SOAP version `to` (11 or 12) as
 * Synapse's SOAPUtils does: the envelope namespace, actor <-> role,
 * mustUnderstand 1/0 <-> true/false, and a Fault's structure (faultcode
 * <-> Code/Value with Client<->Sender and Server<->Receiver, faultstring
 * <-> Reason/Text xml:lang="en", detail <-> Detail).  MC_OK when it is
 * already of that version. */
mc_code mc_soap_convert(xmlDocPtr doc, int to);

/* A SOAP fault envelope of `version`: code is a local name in the
 * envelope namespace (Client, Server, VersionMismatch, MustUnderstand;
 * mapped to Sender/Receiver for 1.2). */
void mc_soap_fault_text(mc_buf *b, int version, const char *code, const char *reason);

/* WS-Addressing namespaces (the final one and the 2004/08 submission). */
#define MC_WSA_NS "http://www.w3.org/2005/08/addressing"
#define MC_WSA_SUBMISSION_NS "http://schemas.xmlsoap.org/ws/2004/08/addressing"
#define MC_WSA_ANONYMOUS "http://www.w3.org/2005/08/addressing/anonymous"

/* Inbound: the WS-Addressing header blocks of a SOAP payload become the
 * default-scope properties To, From, Action, MessageID, ReplyTo, FaultTo
 * and RelatesTo (Axis2's addressing handler). */
void mc_msg_read_addressing(mc_message *m);

/* What an outgoing envelope gets besides the payload's own. */
typedef struct mc_envelope_opts {
    int version;               /* 11 or 12 */
    bool keep_addressing;      /* keep the inbound wsa: blocks
                                  (PRESERVE_WS_ADDRESSING,
                                  preserveProcessedHeaders) */
    bool addressing;           /* <enableAddressing/>: add wsa: blocks */
    bool submission;           /* ... in the 2004/08 namespace */
    const char *to;            /* wsa:To */
    const char *action;        /* wsa:Action, or NULL */
    const char *message_id;    /* wsa:MessageID */
} mc_envelope_opts;

/* The payload as a whole SOAP envelope with an XML declaration, in
 * o->version, into b. */
mc_code mc_msg_envelope_text(mc_message *m, const mc_envelope_opts *o, mc_buf *b);

/* The payload serialised in format w (MC_WIRE_SOAP11/12 always give an
 * envelope).  The pointer is valid until the payload changes. */
const char *mc_msg_bytes_as(mc_message *m, mc_wire w, size_t *len);

/* The message's SOAP action: the flow's or the request's wsa:Action
 * (default-scope Action), else the request's SOAPAction without its
 * quotes, else the action parameter of its SOAP 1.2 content type; "" when
 * none (Axis2 keeps all three as the one action, get-property('Action')). */
const char *mc_msg_soap_action(mc_message *m);

/* Synapse's MESSAGE_FORMAT: "soap11", "soap12", or "pox" for a REST
 * message (any content type). */
const char *mc_msg_format_name(const mc_message *m);

/* Does the message travel as SOAP (Synapse's !isDoingREST): a SOAP
 * client's request, or a SOAP answer from a backend? */
bool mc_msg_is_soap(const mc_message *m);

/* Before the answer goes to the client: a SOAP client gets SOAP of its
 * own version whenever the payload came from a REST backend or is SOAP of
 * the other version (Synapse's Axis2Sender.doSOAPFormatConversion). */
void mc_msg_answer_format(mc_message *m);

/* Inbound bodies of HTML forms, as MI's builders present them:
 * application/x-www-form-urlencoded as <xformValues><name>value</name>...
 * and multipart/form-data as <mediate><name>value</name>... (file parts
 * base64 with filename and content-type attributes). */
mc_code mc_msg_set_form(mc_message *m, const char *data, size_t len,
                        const char *content_type, mc_err *err);

#endif
