"""standins.py - local stand-ins for the backends WSO2's samples and
integration tests call, for tests that run real flows through `mediac
serve`.  Each is a threaded stdlib HTTP server on 127.0.0.1, a free port,
started and stopped by the test (over HTTPS when given a certificate and
key: `tls=(cert, key)`).  They are stand-ins, not the real
services: they answer what the flows under test need.

  StockQuoteStandIn  Axis2's SimpleStockQuoteService (the Synapse samples'
                     backend, MI's tests' localhost:9000): getQuote,
                     getSimpleQuote, getFullQuote, getMarketActivity (in-out)
                     and placeOrder (in-only, 202), in SOAP 1.1, SOAP 1.2 or
                     POX as asked; anything else (an unknown operation, a
                     getQuote without its <request>) is a SOAP fault.
  EchoStandIn        answers with the request's body and Content-Type, and
                     records every request (method, path, headers, body).

Request builders for the stock-quote client calls (stockquote_request) are
here too."""
import http.server
import random
import re
import socketserver
import ssl
import threading
import time

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
SAMPLES_NS = "http://services.samples"
XSD_NS = "http://services.samples/xsd"


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class _StandIn:
    handler = None

    def __init__(self, tls=None):
        """tls: (certificate, key) PEM files: serve HTTPS with them."""
        self.requests = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _body(self):
                n = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(n) if n else b""

            def _any(self):
                body = self._body()
                owner.requests.append({"method": self.command, "path": self.path,
                                       "version": self.request_version,
                                       "headers": dict(self.headers.items()), "body": body})
                status, ctype, out = owner.answer(self.command, self.path, self.headers, body)
                self.send_response(status)
                if ctype:
                    self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(out)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _any

        self.server = _Server(("127.0.0.1", 0), Handler)
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.url = "%s://127.0.0.1:%d" % ("https" if tls else "http", self.port)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


class EchoStandIn(_StandIn):
    def answer(self, method, path, headers, body):
        return 200, headers.get("Content-Type", "application/octet-stream"), body


def _text(xml, local):
    m = re.search(r"<(?:\w+:)?%s\b[^>]*>([^<]*)</" % local, xml)
    return m.group(1) if m else None


def _quote(symbol):
    r = random.Random(symbol)
    last = r.uniform(50, 150)
    fields = [("change", -2.0 + r.random() * 4), ("earnings", -8 + r.random() * 2),
              ("high", last * 1.05), ("last", last),
              ("lastTradeTimestamp", time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime())),
              ("low", last * 0.95), ("marketCap", r.uniform(1e6, 1e8)),
              ("name", symbol + " Company"), ("open", last * 0.98), ("peRatio", r.uniform(20, 30)),
              ("percentageChange", r.uniform(-5, 5)), ("prevClose", last * 0.99),
              ("symbol", symbol), ("volume", r.randint(1000, 20000))]
    return "".join("<ax21:%s>%s</ax21:%s>" % (k, v, k) for k, v in fields)


class StockQuoteStandIn(_StandIn):
    def answer(self, method, path, headers, body):
        text = body.decode("utf-8", "replace")
        soap = SOAP12 if SOAP12 in text else SOAP11 if SOAP11 in text else None
        ctype = {SOAP11: "text/xml; charset=UTF-8",
                 SOAP12: "application/soap+xml; charset=UTF-8",
                 None: "application/xml; charset=UTF-8"}[soap]
        op = None
        for name in ("getQuote", "getSimpleQuote", "getFullQuote", "getMarketActivity",
                     "placeOrder"):
            if re.search(r"<(?:\w+:)?%s\b" % name, text):
                op = name
                break
        action = (headers.get("SOAPAction") or "").strip('"')
        if not op and action.startswith("urn:"):
            op = action[4:]
        symbol = _text(text, "symbol") or "IBM"
        if op in ("getQuote", "getFullQuote") and not re.search(r"<(?:\w+:)?request\b", text):
            op = None   # Axis2's data binding refuses a getQuote without <request>
        if op == "placeOrder":
            return 202, None, b""
        if op in ("getQuote", "getSimpleQuote"):
            payload = ('<ns:%sResponse xmlns:ns="%s"><ns:return xmlns:ax21="%s" '
                       'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                       'xsi:type="ax21:GetQuoteResponse">%s</ns:return></ns:%sResponse>'
                       % (op, SAMPLES_NS, XSD_NS, _quote(symbol), op))
        elif op == "getFullQuote":
            days = "".join("<ns:tradeHistory xmlns:ax21=\"%s\"><ax21:date>%d</ax21:date>"
                           "<ax21:price>%d</ax21:price></ns:tradeHistory>" % (XSD_NS, i, 100 + i)
                           for i in range(20))
            payload = '<ns:getFullQuoteResponse xmlns:ns="%s">%s</ns:getFullQuoteResponse>' % (
                SAMPLES_NS, days)
        elif op == "getMarketActivity":
            syms = re.findall(r"<(?:\w+:)?symbols>([^<]*)<", text) or [symbol]
            quotes = "".join('<ns:quotes xmlns:ax21="%s">%s</ns:quotes>' % (XSD_NS, _quote(s))
                             for s in syms)
            payload = ('<ns:getMarketActivityResponse xmlns:ns="%s"><ns:return>%s</ns:return>'
                       '</ns:getMarketActivityResponse>' % (SAMPLES_NS, quotes))
        else:
            fault = ("<soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>"
                     "The endpoint reference (EPR) for the Operation not found is %s and the "
                     "WSA Action = %s</faultstring></soapenv:Fault>" % (path, action or "null"))
            env = '<soapenv:Envelope xmlns:soapenv="%s"><soapenv:Body>%s</soapenv:Body>' \
                  '</soapenv:Envelope>' % (soap or SOAP11, fault)
            return 500, "text/xml; charset=UTF-8", env.encode()
        if soap:
            payload = ('<soapenv:Envelope xmlns:soapenv="%s"><soapenv:Body>%s</soapenv:Body>'
                       '</soapenv:Envelope>' % (soap, payload))
        return 200, ctype, payload.encode()


def stockquote_request(symbol, to=None, soap=SOAP11, action="urn:getQuote"):
    """The (body, headers) Axis2's sample client sends for getQuote: a SOAP
    envelope, with WS-Addressing To and Action when `to` is given."""
    header = ""
    if to:
        header = ('<soapenv:Header xmlns:wsa="http://www.w3.org/2005/08/addressing">'
                  "<wsa:To>%s</wsa:To><wsa:MessageID>urn:uuid:%032x</wsa:MessageID>"
                  "<wsa:Action>%s</wsa:Action></soapenv:Header>"
                  % (to, random.getrandbits(128), action))
    body = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="%s">%s'
            '<soapenv:Body><m0:getQuote xmlns:m0="%s"><m0:request><m0:symbol>%s</m0:symbol>'
            "</m0:request></m0:getQuote></soapenv:Body></soapenv:Envelope>"
            % (soap, header, SAMPLES_NS, symbol))
    if soap == SOAP11:
        headers = {"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": '"%s"' % action}
    else:
        headers = {"Content-Type": 'application/soap+xml; charset=UTF-8; action="%s"' % action}
    return body.encode(), headers
