"""Bookinfo (Istio's samples/bookinfo): productpage, details, reviews v1/v2/v3 and ratings.

Sources: samples/bookinfo/src/productpage/productpage.py (3 s timeout and one retry toward
reviews, the error texts, `/login` keeping the user in the session and forwarding it as
`end-user`), templates/productpage.html (stars per review, colour class), reviews'
LibertyRestEndpoint.java (JSON shape, ratings timeout 10 s for black stars and 2.5 s for red,
"Ratings service is currently unavailable", propagated headers), ratings.js and details.rb.
"""

from __future__ import annotations

import base64
import hashlib
import json
from html import escape
from urllib.parse import parse_qsl

from meshcert.mesh.exchanges import HttpResponse

from .serving import Call, HttpApp, respond

SERVICES_PORT = 9080
PRODUCTPAGE_TIMEOUT = 3.0
REVIEWS_ERROR = "Sorry, product reviews are currently unavailable for this book."
DETAILS_ERROR = "Sorry, product details are currently unavailable for this book."
RATINGS_ERROR = "Ratings service is currently unavailable"
PRODUCT = {
    "id": 0,
    "title": "The Comedy of Errors",
    "descriptionHtml": (
        '<a href="https://en.wikipedia.org/wiki/The_Comedy_of_Errors">Wikipedia Summary</a>: '
        "The Comedy of Errors is one of <b>William Shakespeare's</b> early plays. It is his "
        "shortest and one of his most farcical comedies, with a major part of the humour coming "
        "from slapstick and mistaken identity, in addition to puns and word play."
    ),
}
REVIEWS = (
    ("Reviewer1", "An extremely entertaining play by Shakespeare. The slapstick humour is "
     "refreshing!"),
    ("Reviewer2", "Absolutely fun and entertaining. The play lacks thematic depth when compared "
     "to other plays by Shakespeare."),
)  # fmt: skip
RATINGS = {"Reviewer1": 5, "Reviewer2": 4}
# Headers productpage and reviews pass on (trace context and the application's own).
PROPAGATED = (
    "x-request-id", "x-ot-span-context", "traceparent", "tracestate", "x-cloud-trace-context",
    "x-b3-traceid", "x-b3-spanid", "x-b3-parentspanid", "x-b3-sampled", "x-b3-flags",
)  # fmt: skip
SESSION_COOKIE = "session"
_SESSION_SALT = b"meshcert-bookinfo"


# productpage -----------------------------------------------------------------------------------


def _session_cookie(user: str) -> str:
    """A Flask-style signed session cookie holding `{"user": ...}`."""
    payload = base64.urlsafe_b64encode(json.dumps({"user": user}, separators=(",", ":"))
                                       .encode()).rstrip(b"=").decode()  # fmt: skip
    signature = hashlib.sha1(_SESSION_SALT + payload.encode()).digest()
    sig = base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
    return f"{payload}.ZzZzZw.{sig}"


def session_user(call: Call) -> str:
    """The user kept in the request's session cookie ("" when none)."""
    for part in (call.request.header("cookie") or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name != SESSION_COOKIE or not value:
            continue
        payload = value.split(".", 1)[0]
        try:
            raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
            data = json.loads(raw)
        except ValueError:
            return ""
        return str(data.get("user") or "") if isinstance(data, dict) else ""
    return ""


def _forward_headers(call: Call) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    user = session_user(call)
    if user:
        out.append(("end-user", user))
    for name in (*PROPAGATED, "user-agent"):
        value = call.request.header(name)
        if value is not None:
            out.append((name, value))
    return tuple(out)


def _get_json(
    call: Call, url: str, headers: tuple[tuple[str, str], ...], timeout: float
) -> tuple[int, object, float]:
    """(status or 0, parsed body or None, seconds taken) of one GET as requests does it."""
    delivery = call.fetch(url, headers, timeout)
    response = delivery.response
    if response is None:
        return 0, None, delivery.duration
    try:
        value = json.loads(response.body) if response.status == 200 else None
    except ValueError:
        value = None
    return response.status, value, delivery.duration


def _details(
    call: Call, product_id: str, headers: tuple[tuple[str, str], ...]
) -> tuple[int, object, float]:
    url = f"http://details:{SERVICES_PORT}/details/{product_id}"
    status, value, spent = _get_json(call, url, headers, PRODUCTPAGE_TIMEOUT)
    if status == 200:
        return 200, value, spent
    return status or 500, {"error": DETAILS_ERROR}, spent


def _reviews(
    call: Call, product_id: str, headers: tuple[tuple[str, str], ...]
) -> tuple[int, object, float]:
    url = f"http://reviews:{SERVICES_PORT}/reviews/{product_id}"
    total = 0.0
    status = 0
    for _ in range(2):  # "Bug introduced explicitly for illustration in fault injection task"
        status, value, spent = _get_json(call, url, headers, PRODUCTPAGE_TIMEOUT)
        total += spent
        if status == 200:
            return 200, value, total
    return status or 500, {"error": REVIEWS_ERROR}, total


def _stars(count: int, color: str) -> str:
    full = '<svg class="h-5 w-5 flex-none" viewBox="0 0 20 20" fill="currentColor"></svg>'
    empty = '<svg fill="none" viewBox="0 0 24 24" class="h-5 w-5 flex-none"></svg>'
    return (f'<div class="flex gap-x-1 text-{escape(color)}-500">\n'
            + "\n".join([full] * count + [empty] * (5 - count)) + "\n</div>")  # fmt: skip


def _page(user: str, details_status: int, details: object, reviews_status: int,
          reviews: object) -> str:  # fmt: skip
    lines = [
        '<meta charset="utf-8">',
        "<title>Simple Bookstore App</title>",
        '<nav class="bg-gray-800">BookInfo Sample',
        f'<p class="text-base font-medium text-gray-50">{escape(user)}</p>'
        if user
        else '<button type="button" id="sign-in-button">Sign in</button>',
        "</nav>",
        f'<h1 class="text-5xl font-bold tracking-tight text-blue-900">{PRODUCT["title"]}</h1>',
        f'<p class="mt-6 text-xl leading-8 text-gray-600">{PRODUCT["descriptionHtml"]}</p>',
    ]
    if details_status == 200 and isinstance(details, dict):
        lines.append('<h4 class="text-3xl font-semibold">Book Details</h4>')
        lines.append("<table>")
        for key in ("ISBN-10", "publisher", "pages", "type", "language"):
            lines.append(f"<td>{escape(str(details.get(key, '')))}</td>")
        lines.append("</table>")
    else:
        lines.append('<p class="text-2xl text-red-500">Error fetching product details</p>')
        if isinstance(details, dict):
            lines.append(f'<p class="text-lg text-gray-600">{details.get("error", "")}</p>')
    if reviews_status == 200 and isinstance(reviews, dict):
        lines.append('<h4 class="text-3xl font-semibold">Book Reviews</h4>')
        for review in reviews.get("reviews") or []:
            rating = review.get("rating") if isinstance(review, dict) else None
            if isinstance(rating, dict) and rating.get("stars"):
                lines.append(_stars(int(rating["stars"]), str(rating.get("color", "black"))))
            elif isinstance(rating, dict) and rating.get("error"):
                lines.append(f'<p class="text-red-500">{escape(str(rating["error"]))}</p>')
            lines.append(f'<blockquote><p>"{escape(str(review.get("text", "")))}"</p>'
                         "</blockquote>")  # fmt: skip
            lines.append(f'<div class="font-semibold text-gray-900">'
                         f'{escape(str(review.get("reviewer", "")))}</div>')  # fmt: skip
            lines.append(f'<div class="mt-0.5 text-gray-600 font-mono">Reviews served by: '
                         f'{escape(str(reviews.get("podname", "")))}</div>')  # fmt: skip
    else:
        lines.append('<p class="text-2xl text-red-500">Error fetching product reviews</p>')
        if isinstance(reviews, dict):
            lines.append(f'<p class="text-lg text-gray-600">{reviews.get("error", "")}</p>')
    return "\n".join(lines) + "\n"


def productpage(call: Call) -> HttpResponse:
    path = call.request.uri_path
    server = "gunicorn"
    if path == "/health":
        return respond(call, 200, "Product page is healthy", "text/html; charset=utf-8",
                       server=server)  # fmt: skip
    if path == "/login" and call.request.method == "POST":
        form = dict(parse_qsl(call.request.body.decode("utf-8", "replace")))
        user = form.get("username", "")
        target = call.request.header("referer") or "/productpage"
        cookie = f"{SESSION_COOKIE}={_session_cookie(user)}; HttpOnly; Path=/"
        body = (
            "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting..."
            f"</h1>\n<p>You should be redirected automatically to the target URL: "
            f'<a href="{escape(target)}">{escape(target)}</a>. If not, click the link.\n'
        )
        return respond(call, 302, body, "text/html; charset=utf-8",
                       (("location", target), ("vary", "Cookie"), ("set-cookie", cookie)),
                       server=server)  # fmt: skip
    if path == "/logout":
        target = call.request.header("referer") or "/productpage"
        cookie = f"{SESSION_COOKIE}=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/"
        return respond(call, 302, "", "text/html; charset=utf-8",
                       (("location", target), ("set-cookie", cookie)), server=server)  # fmt: skip
    headers = _forward_headers(call)
    if path == "/productpage":
        d_status, details, d_time = _details(call, "0", headers)
        r_status, reviews, r_time = _reviews(call, "0", headers)
        page = _page(session_user(call), d_status, details, r_status, reviews)
        return respond(call, 200, page, "text/html; charset=utf-8", server=server,
                       duration=0.005 + d_time + r_time)  # fmt: skip
    parts = [p for p in path.split("/") if p]
    if parts[:3] == ["api", "v1", "products"]:
        if len(parts) == 3:
            listing = [dict(PRODUCT)]
            return respond(call, 200, json.dumps(listing), "application/json", server=server)
        if len(parts) == 4:
            status, value, spent = _details(call, parts[3], headers)
        elif len(parts) == 5 and parts[4] == "reviews":
            status, value, spent = _reviews(call, parts[3], headers)
        elif len(parts) == 5 and parts[4] == "ratings":
            url = f"http://ratings:{SERVICES_PORT}/ratings/{parts[3]}"
            status, value, spent = _get_json(call, url, headers, PRODUCTPAGE_TIMEOUT)
            if status != 200:
                status = status or 500
                value = {"error": "Sorry, product ratings are currently unavailable for this "
                         "book."}  # fmt: skip
        else:
            return _flask_404(call, server)
        return respond(call, status, json.dumps(value), "application/json", server=server,
                       duration=0.002 + spent)  # fmt: skip
    if path in ("/", "/index.html"):
        return respond(call, 200, "<title>Simple Bookstore App</title>\n",
                       "text/html; charset=utf-8", server=server)  # fmt: skip
    return _flask_404(call, server)


def _flask_404(call: Call, server: str) -> HttpResponse:
    html = (
        "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
        "<p>The requested URL was not found on the server. If you entered the URL manually "
        "please check your spelling and try again.</p>\n"
    )
    return respond(call, 404, html, "text/html; charset=utf-8", server=server)


# reviews, ratings, details ---------------------------------------------------------------------


def reviews_app(version: str) -> HttpApp:
    """The reviews service of image version `v1`, `v2` (black stars) or `v3` (red stars)."""
    ratings_enabled = version in ("v2", "v3")
    color = "red" if version == "v3" else "black"
    timeout = 10.0 if color == "black" else 2.5

    def reviews(call: Call) -> HttpResponse:
        parts = [p for p in call.request.uri_path.split("/") if p]
        if parts == ["health"]:
            return respond(call, 200, '{"status": "Reviews is healthy"}', "application/json")
        if len(parts) != 2 or parts[0] != "reviews" or not parts[1].isdigit():
            return respond(call, 404, "", "text/html")
        product = str(int(parts[1]))
        stars: dict[str, int] = {}
        spent = 0.0
        if ratings_enabled:
            headers = tuple(
                (name, value)
                for name in (*PROPAGATED, "end-user", "user-agent")
                if (value := call.request.header(name)) is not None
            )
            delivery = call.fetch(
                f"http://ratings:{SERVICES_PORT}/ratings/{product}", headers, timeout
            )
            spent = delivery.duration
            response = delivery.response
            if response is not None and response.status == 200:
                try:
                    found = json.loads(response.body).get("ratings") or {}
                    stars = {k: int(v) for k, v in found.items()}
                except (ValueError, AttributeError):
                    stars = {}
        entries = []
        for reviewer, text in REVIEWS:
            entry: dict[str, object] = {"reviewer": reviewer, "text": text}
            if ratings_enabled:
                entry["rating"] = (
                    {"stars": stars[reviewer], "color": color}
                    if reviewer in stars
                    else {"error": RATINGS_ERROR}
                )
            entries.append(entry)
        body = json.dumps({"id": product, "podname": call.pod_name, "clustername": "null",
                           "reviews": entries})  # fmt: skip
        return respond(call, 200, body, "application/json", duration=0.003 + spent)

    return reviews


def ratings(call: Call) -> HttpResponse:
    parts = [p for p in call.request.uri_path.split("/") if p]
    if parts == ["health"]:
        return respond(call, 200, '{"status":"Ratings is healthy"}', "application/json")
    if len(parts) == 2 and parts[0] == "ratings" and parts[1].isdigit():
        body = json.dumps({"id": int(parts[1]), "ratings": RATINGS}, separators=(",", ":"))
        return respond(call, 200, body, "application/json")
    return respond(call, 400, '{"error":"unsupported ratings request"}', "application/json")


def details(call: Call) -> HttpResponse:
    server = "WEBrick/1.8.1 (Ruby/3.3.0/2023-12-25)"
    parts = [p for p in call.request.uri_path.split("/") if p]
    if parts == ["health"]:
        return respond(call, 200, '{"status":"Details is healthy"}', "application/json",
                       server=server)  # fmt: skip
    if len(parts) == 2 and parts[0] == "details" and parts[1].isdigit():
        body = json.dumps({
            "id": int(parts[1]), "author": "William Shakespeare", "year": 1595,
            "type": "paperback", "pages": 200, "publisher": "PublisherA", "language": "English",
            "ISBN-10": "1234567890", "ISBN-13": "123-1234567890",
        }, separators=(",", ":"))  # fmt: skip
        return respond(call, 200, body, "application/json", server=server)
    return respond(call, 400, '{"error":"please provide numeric product id"}',
                   "application/json", server=server)  # fmt: skip


__all__ = [
    "DETAILS_ERROR",
    "RATINGS_ERROR",
    "REVIEWS_ERROR",
    "details",
    "productpage",
    "ratings",
    "reviews_app",
    "session_user",
]
