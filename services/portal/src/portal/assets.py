"""Static assets under content-hashed names (`portal.3f9a1c2b7d.css`), cached for a year: a school's phone
downloads each once, and a new release changes the name rather than waiting for a cache to expire."""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

STATIC = Path(__file__).parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"


class Assets:
    def __init__(self, root: Path = STATIC) -> None:
        self.by_logical: dict[str, str] = {}  # "css/portal.css" -> "css/portal.3f9a1c2b7d.css"
        self.files: dict[str, tuple[bytes, str]] = {}  # hashed name -> (content, media type)
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            logical = path.relative_to(root).as_posix()
            content = path.read_bytes()
            digest = hashlib.sha256(content).hexdigest()[:10]
            stem, dot, suffix = logical.rpartition(".")
            hashed = f"{stem}.{digest}.{suffix}" if dot else f"{logical}.{digest}"
            media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if media.startswith("text/") or media.endswith("javascript"):
                media += "; charset=utf-8"
            self.by_logical[logical] = hashed
            self.files[hashed] = (content, media)

    def url(self, logical: str) -> str:
        return "/static/" + self.by_logical[logical]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Mounted at /static: a hashed name only (an unhashed one could be cached stale)."""
        # A mount keeps the whole path and names its own prefix in root_path (/static, or /x/static behind a proxy).
        found = self.files.get(scope["path"].removeprefix(scope.get("root_path", "")).removeprefix("/"))
        if found is None:
            response = Response(status_code=404)
        else:
            content, media = found
            response = Response(content, media_type=media, headers={"Cache-Control": IMMUTABLE})
        await response(scope, receive, send)
