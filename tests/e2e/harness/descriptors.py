"""Read connector descriptors (connector/<name>/*.xml) into plain dicts.

A reader for tests only (the runtime's reader is C, in src/connector/); the
format is schemas/connector.xsd, described in docs/connector-descriptors.md.
Attribute defaults of the schema are filled in here too.
"""

import os
import xml.etree.ElementTree as ET

from . import REPO_ROOT, connector_dir

NS = "http://mediac.dev/ns/connector"
SCHEMA = os.path.join(REPO_ROOT, "schemas", "connector.xsd")
_Q = "{%s}" % NS

_PARAM_DEFAULTS = {"type": "string", "required": "false", "deprecated": "false",
                   "usage": "any", "origin": "wso2", "secret": "false"}


def _param(el):
    p = dict(_PARAM_DEFAULTS)
    p.update(el.attrib)
    for flag in ("required", "deprecated", "secret"):
        p[flag] = p[flag] == "true"
    p["alias"] = p.get("alias", "").split()
    return p


def load_connector(name="amazonlambda"):
    """{'attrs', 'description', 'init': [param], 'common': [param]}"""
    root = ET.parse(os.path.join(connector_dir(name), "connector.xml")).getroot()
    if root.tag != _Q + "connector":
        raise ValueError("not a connector descriptor: %s" % root.tag)
    common = root.find(_Q + "common")
    return {
        "attrs": dict(root.attrib),
        "description": root.findtext(_Q + "description"),
        "init": [_param(e) for e in root.find(_Q + "init").findall(_Q + "param")],
        "common": [] if common is None else [_param(e) for e in common.findall(_Q + "param")],
    }


def operation_files(name="amazonlambda"):
    folder = os.path.join(connector_dir(name), "operations")
    return sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".xml"))


def load_operation(path):
    root = ET.parse(path).getroot()
    if root.tag != _Q + "operation":
        raise ValueError("not an operation descriptor: %s" % root.tag)
    pg = root.find(_Q + "paginate")
    return {
        "name": root.get("name"),
        "api": root.get("api"),
        "theme": root.get("theme"),
        "origin": root.get("origin", "wso2"),
        "deprecated": root.get("deprecated") == "true",
        "eventstream": root.get("eventstream"),
        "paginate": None if pg is None else dict(pg.attrib),
        "requires": [e.get("member") for e in root.findall(_Q + "require")],
        "method": root.get("method"),
        "path": root.get("path"),
        "success": [int(s) for s in root.get("success").split()],
        "description": root.findtext(_Q + "description"),
        "params": [_param(e) for e in root.findall(_Q + "param")],
        "overrides": [dict(e.attrib) for e in root.findall(_Q + "override")],
        "results": [dict(e.attrib) for e in root.findall(_Q + "result")],
        "file": path,
    }


def load_operations(name="amazonlambda"):
    """{operation name: operation dict}"""
    ops = {}
    for path in operation_files(name):
        op = load_operation(path)
        ops[op["name"]] = op
    return ops


def effective_common(connector, operation):
    """The common params as they apply to one operation (overrides merged)."""
    out = {}
    for p in connector["common"]:
        q = dict(p)
        for o in operation["overrides"]:
            if o["name"] == p["name"]:
                if "required" in o:
                    q["required"] = o["required"] == "true"
                if "default" in o:
                    q["default"] = o["default"]
                if "description" in o:
                    q["description"] = o["description"]
        out[p["name"]] = q
    return out
