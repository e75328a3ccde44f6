"""gunicorn's access and error logs as JSON lines, with the request id (gunicorn.conf.py)."""

import json
import logging
from datetime import UTC, datetime
from typing import Any

from gunicorn.glogging import Logger

from ops.logs import JsonFormatter, RequestIdFilter


class JsonLogger(Logger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        formatter = JsonFormatter()
        for handler in self.error_log.handlers:
            handler.setFormatter(formatter)
            handler.addFilter(RequestIdFilter())
        for handler in self.access_log.handlers:
            handler.setFormatter(logging.Formatter("%(message)s"))

    def access(self, resp: Any, req: Any, environ: dict, request_time: Any) -> None:
        if not self.cfg.accesslog:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        line = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": "INFO",
            "logger": "gunicorn.access",
            "message": f"{atoms['m']} {atoms['U']} {atoms['s']}",
            "request_id": atoms.get("{x-request-id}o", "-"),
            "method": atoms["m"],
            "path": atoms["U"],
            "query": atoms["q"],
            "status": resp.status_code if hasattr(resp, "status_code") else atoms["s"],
            "bytes": atoms["B"],
            "duration_ms": round(request_time.total_seconds() * 1000, 2),
            "remote_addr": atoms["h"],
            "forwarded_for": atoms.get("{x-forwarded-for}i", "-"),
            "user_agent": atoms["a"],
        }
        try:
            self.access_log.info(json.dumps(line))
        except Exception:
            self.exception("Failed to write the access log line")
