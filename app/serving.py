"""How gunicorn serves Tanji (deploy/gunicorn.conf.py names these): a gevent worker, so slow
or idle clients cost a greenlet rather than a whole worker, and an access log that holds no
client address and no household id.

The worker patches sockets, ssl, select and time but not threads: ``threading.local`` stays
per OS thread, so each worker keeps its one SQLite connection (app/db.py) instead of opening
one per client connection, and CPU-heavy work handed to real threads (app/offload.py) runs
beside the event loop instead of on it.
"""

from __future__ import annotations

import re

from gunicorn.glogging import Logger
from gunicorn.workers.ggevent import GeventWorker as _GeventWorker

#: /v1/households/<id>... -> /v1/households/-... : a household id must never meet a log line.
_HOUSEHOLD_PATH = re.compile(r"(/v1/households/)(?!consent(?:[/?\s]|$))[^/?\s]+")


def redact(path: str) -> str:
    """The path (or request line) with any household id replaced by ``-``."""
    return _HOUSEHOLD_PATH.sub(r"\1-", path)


class GeventWorker(_GeventWorker):
    def patch(self) -> None:
        from gevent import monkey

        monkey.patch_all(thread=False)
        # As the stock worker does: the listening sockets become gevent sockets.
        from gevent import socket

        self.sockets = [
            socket.socket(s.FAMILY, socket.SOCK_STREAM, fileno=s.sock.detach())
            for s in self.sockets
        ]


class AccessLog(Logger):
    """gunicorn's logger with the privacy-relevant atoms blanked: no client address (%(h)s),
    user (%(u)s), user agent (%(a)s) or referer (%(f)s), no request headers or environ
    atoms, and household ids cut out of the request line and path."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        kept = {k: v for k, v in atoms.items() if not k.startswith("{")}
        kept.update(h="-", u="-", a="-", f="-")
        kept["r"] = redact(kept["r"])
        kept["U"] = redact(kept["U"] or "")
        return kept
