"""Response headers that make the pages safe to show text nobody here wrote.

No inline script is ever needed (the script is a static file), so the Content Security
Policy forbids it; pages cannot be framed; MIME sniffing is off.
"""

from __future__ import annotations

from flask import Flask, Response

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def _escape_raw_query(wsgi_app):
    """Percent-escape raw non-ASCII bytes in the query string before Werkzeug sees them.

    A client may send bytes like 0xB2 unescaped; Werkzeug decodes the query string as
    strict UTF-8 and would fail with a 500. Escaped, invalid bytes stay percent-encoded
    text (Werkzeug's documented behaviour), valid UTF-8 decodes as usual.
    """
    def app(environ, start_response):
        qs = environ.get("QUERY_STRING", "")
        if not qs.isascii():
            raw = qs.encode("latin-1", "replace") if all(ord(c) < 256 for c in qs) else qs.encode("utf-8", "replace")
            environ["QUERY_STRING"] = "".join(chr(b) if b < 0x80 else f"%{b:02X}" for b in raw)
        return wsgi_app(environ, start_response)
    return app


def init_app(app: Flask) -> None:
    app.wsgi_app = _escape_raw_query(app.wsgi_app)  # type: ignore[method-assign]  # Flask documents this

    @app.after_request
    def _headers(resp: Response) -> Response:
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        return resp
