"""HTTP caching of discovery and OpenAPI documents, as the real apiserver does it.

kubectl keeps an HTTP cache on disk (`~/.kube/cache/http`) for these documents. The apiserver
lets it cache them: every document carries an `ETag` (the SHA-512 of its bytes, upper-case hex,
quoted) and a request whose `If-None-Match` names it is answered 304 without a body. An OpenAPI
group-version document asked for by its hash-qualified URL (`?hash=H`, the URL the
`/openapi/v3` index links) is `Cache-Control: public, immutable` and expires a year later, so
kubectl reads it from its cache without asking again; an outdated hash is redirected (301) to
the current URL instead of being answered, so that no cache keeps stale bytes under it. Aggregated
discovery is `Cache-Control: public` and revalidated with its ETag.
"""

from __future__ import annotations

import hashlib
import time
import urllib.parse
from email.utils import formatdate

from .plain import PlainAnswer, PlainRequest

YEAR_SECONDS = 365 * 24 * 3600


def etag_of(body: bytes) -> str:
    """The apiserver's ETag value for `body`: SHA-512, upper-case hex (unquoted)."""
    return hashlib.sha512(body).hexdigest().upper()


def _matches(if_none_match: str, etag: str) -> bool:
    """Whether an If-None-Match header names `etag` (a list, `*` and weak tags as Go's
    `http.ServeContent` accepts them)."""
    for candidate in if_none_match.split(","):
        tag = candidate.strip().removeprefix("W/")
        if tag == "*" or tag == f'"{etag}"':
            return True
    return False


def _answer(
    request: PlainRequest, body: bytes, etag: str, media_type: str, headers: dict[str, str]
) -> PlainAnswer:
    headers = {"ETag": f'"{etag}"', **headers}
    if _matches(request.header("if-none-match"), etag):
        return PlainAnswer(304, content_type=None, headers=headers)
    return PlainAnswer(200, body, media_type, headers)


def discovery(request: PlainRequest, body: bytes, media_type: str) -> PlainAnswer:
    """Aggregated discovery (`/api`, `/apis`): ETag, `Cache-Control: public`, 304 when the
    client's copy is current."""
    headers = {"Vary": "Accept", "Cache-Control": "public"}
    return _answer(request, body, etag_of(body), media_type, headers)


def openapi_index(request: PlainRequest, body: bytes) -> PlainAnswer:
    """`GET /openapi/v3`: revalidated by ETag on every use (it names the documents' hashes)."""
    return _answer(request, body, etag_of(body), "application/json", {})


def openapi_document(request: PlainRequest, body: bytes, etag: str) -> PlainAnswer:
    """One group-version document whose hash (ETag) is `etag`."""
    asked = request.query.get("hash")
    headers = {"Vary": "Accept"}
    if asked:
        if asked != etag:  # the same path (a lab's /labs/ID prefix included), the current hash
            current = f"{urllib.parse.quote(request.path)}?hash={etag}"
            return PlainAnswer(301, content_type=None, headers={**headers, "Location": current})
        headers["Cache-Control"] = "public, immutable"
        headers["Expires"] = formatdate(time.time() + YEAR_SECONDS, usegmt=True)
    return _answer(request, body, etag, "application/json", headers)
