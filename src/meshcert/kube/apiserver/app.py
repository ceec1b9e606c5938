"""The ASGI app: tenants (one cluster + token each) by path prefix or by port, then dispatch."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from .. import errors
from ..cluster import Cluster
from ..errors import KubeError
from . import bodies, caching, discovery, exec_ws, plain, podlogs, resources, watching, workstation
from .paths import Group, GroupVersion, ResourceTarget, parse
from .plain import PlainAnswer, PlainRequest

log = logging.getLogger("meshcert.apiserver")

JSON = "application/json"
PUBLIC_PATHS = frozenset({"/version", "/healthz", "/readyz", "/livez"})


@dataclass
class Tenant:
    """One served cluster and the bearer token that opens it."""

    cluster: Cluster
    token: str


class TenantRouter(Protocol):
    def by_prefix(self, lab_id: str) -> Tenant | None: ...

    def by_port(self, port: int) -> Tenant | None: ...


def json_answer(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> PlainAnswer:
    return PlainAnswer(status, bodies.encode(body), JSON, headers or {})


def error_answer(exc: KubeError) -> PlainAnswer:
    return json_answer(exc.status(), exc.code)


def error_response(exc: KubeError) -> Response:
    return _response(error_answer(exc))


def _failed(exc: Exception, method: str, path: str) -> PlainAnswer:
    """The Status answer for a call that raised: its own for a `KubeError`; for anything else
    (a bug, which must not kill the server) a logged 500, as the apiserver answers."""
    if isinstance(exc, KubeError):
        return error_answer(exc)
    log.exception("internal error serving %s %s", method, path)
    return error_answer(errors.InternalError("an error on the server has occurred"))


def _response(answer: PlainAnswer) -> Response:
    return Response(answer.body, answer.status, answer.headers, media_type=answer.content_type)


def _wants_table(accept: str) -> bool:
    return "as=Table" in accept


class ApiApp:
    """Serves every tenant of a router: plain calls through `answer` (the HTTP protocol calls
    it straight from its parser), streams and everything else as an ASGI app."""

    def __init__(self, router: TenantRouter) -> None:
        self.router = router

    # plain calls -------------------------------------------------------------------------

    def is_plain(self, method: str, path: str, query_string: bytes, content_length: str) -> bool:
        return plain.is_plain(method, path, query_string, content_length)

    def answer(self, request: PlainRequest) -> PlainAnswer:
        """The answer to a plain call; errors become Kubernetes Status answers."""
        tenant, path = self._route(request.path, request.port)
        try:
            return self._plain(request, tenant, path)
        except Exception as exc:
            return _failed(exc, request.method, path)

    # ASGI --------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] not in ("http", "websocket"):
            return
        server = scope.get("server") or ("", 0)
        tenant, path = self._route(scope["path"], int(server[1] or 0))
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send, tenant, path)
            return
        request = Request(scope, receive)
        try:
            response = await self._http(request, tenant, path)
        except Exception as exc:
            response = _response(_failed(exc, str(scope.get("method")), path))
        await response(scope, receive, send)

    def _route(self, full_path: str, port: int) -> tuple[Tenant | None, str]:
        if full_path.startswith("/labs/"):
            _, _, rest = full_path.partition("/labs/")
            lab_id, _, tail = rest.partition("/")
            return self.router.by_prefix(lab_id), "/" + tail
        return self.router.by_port(port), full_path

    def _authorized(self, tenant: Tenant, authorization: str) -> bool:
        scheme, _, token = authorization.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), tenant.token.encode()
        )

    async def _http(self, request: Request, tenant: Tenant | None, path: str) -> Response:
        """Streams (the workstation's programs, pod logs, watches) here; any other call is
        read whole and answered as a plain one."""
        if tenant is not None and path not in PUBLIC_PATHS:
            if not self._authorized(tenant, request.headers.get("authorization", "")):
                raise errors.Unauthorized("Unauthorized")
            cluster = tenant.cluster
            if path == workstation.PATH:
                return await workstation.serve_run(request, cluster)
            if path.startswith(("/api/", "/apis/")):
                target = parse(cluster.registry, path)
                if isinstance(target, ResourceTarget):
                    params = _params(dict(request.query_params), request.headers)
                    if target.subresource == "log":
                        return await podlogs.serve_logs(cluster, target, params)
                    if request.method == "GET" and not target.name and _watching(params, path):
                        return self._watch(cluster, target, params, request.headers)
        body = await _read_body(request)
        server = request.scope.get("server") or ("", 0)
        plain_request = PlainRequest(
            request.method,
            request.url.path,
            dict(request.query_params),
            plain.header_dict(request.scope["headers"]),
            body,
            int(server[1] or 0),
            len(body),
        )
        return _response(self._plain(plain_request, tenant, path))

    def _plain(self, request: PlainRequest, tenant: Tenant | None, path: str) -> PlainAnswer:
        if tenant is None:
            raise errors.NotFound("the server could not find the requested resource (no such lab)")
        if path in PUBLIC_PATHS:
            if path == "/version":
                return json_answer(discovery.KUBERNETES_VERSION)
            return PlainAnswer(200, b"ok", "text/plain; charset=utf-8")
        if not self._authorized(tenant, request.header("authorization")):
            raise errors.Unauthorized("Unauthorized")
        cluster = tenant.cluster
        accept = request.header("accept")
        if path in ("/api", "/apis"):
            core = path == "/api"
            if discovery.wants_aggregated(accept):
                return caching.discovery(
                    request,
                    bodies.encode(discovery.aggregated(cluster.registry, core=core)),
                    discovery.AGGREGATED_CONTENT_TYPE,
                )
            if core:
                return json_answer(discovery.api_versions())
            return json_answer(discovery.api_group_list(cluster.registry))
        if path == "/openapi/v3" or path.startswith("/openapi/v3/"):
            return self._openapi(request, cluster, path)
        if path.startswith("/openapi/v2"):
            raise errors.NotFound("the server could not find the requested resource")
        target = parse(cluster.registry, path)
        if isinstance(target, Group):
            versions = cluster.registry.group_versions()[target.group]
            return json_answer(discovery.api_group(target.group, versions))
        if isinstance(target, GroupVersion):
            return json_answer(
                discovery.api_resource_list(cluster.registry, target.group, target.version)
            )
        return self._resource(request, cluster, target)

    def _openapi(self, request: PlainRequest, cluster: Cluster, path: str) -> PlainAnswer:
        from .. import openapi

        if path.rstrip("/") == "/openapi/v3":
            return caching.openapi_index(request, bodies.encode(openapi.index(cluster.registry)))
        rest = path[len("/openapi/v3/") :].strip("/").split("/")
        if rest[0] == "api" and len(rest) == 2:
            group, version = "", rest[1]
        elif rest[0] == "apis" and len(rest) == 3:
            group, version = rest[1], rest[2]
        else:
            raise errors.NotFound("the server could not find the requested resource")
        found = openapi.published(cluster.registry, group, version)
        if found is None:
            raise errors.NotFound("the server could not find the requested resource")
        return caching.openapi_document(request, found.body, found.hash)

    def _resource(
        self, request: PlainRequest, cluster: Cluster, target: ResourceTarget
    ) -> PlainAnswer:
        method = request.method
        params = _params(request.query, request.headers)
        sub = target.subresource
        if sub in ("exec", "attach"):
            raise errors.BadRequest("Upgrade request required")
        if sub == "portforward":
            raise errors.BadRequest(
                "port-forward is not supported in the lab: reach services with "
                "`kubectl exec` and curl instead"
            )
        accept = request.header("accept")
        include = request.query.get("includeObject") or "Metadata"
        if method == "GET":
            if not target.name:
                if _wants_table(accept):
                    items, rv, meta = resources.list_(cluster, target, params)
                    return json_answer(self._table(cluster, target, items, include, rv, meta))
                reply = resources.list_reply(cluster, target, params)
                return json_answer(reply.body, reply.status)
            reply = resources.get(cluster, target)
            if _wants_table(accept) and not sub:
                obj = reply.body
                return json_answer(
                    self._table(cluster, target, [obj], include, cluster.store.resource_version)
                )
            return json_answer(reply.body, reply.status)
        body = _decoded_body(request)
        if method == "POST":
            reply = resources.create(cluster, target, params, body)
        elif method == "PUT":
            reply = resources.update(cluster, target, params, body)
        elif method == "PATCH":
            media = bodies.media_type(request.header("content-type"))
            reply = resources.patch(cluster, target, params, media, body)
        elif method == "DELETE":
            reply = resources.delete(cluster, target, params, body)
        else:
            raise errors.MethodNotAllowed(
                "the server does not allow this method on the requested resource"
            )
        if _wants_table(accept) and reply.body.get("kind") == target.kind.kind:
            return json_answer(
                self._table(cluster, target, [reply.body], include, cluster.store.resource_version),
                reply.status,
                reply.headers,
            )
        return json_answer(reply.body, reply.status, reply.headers)

    def _table(
        self,
        cluster: Cluster,
        target: ResourceTarget,
        objects: list[dict[str, Any]],
        include_object: str,
        rv: int,
        list_meta: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        from ..tables import table_for

        shown = [resources.present(o, target.kind, target.version) for o in objects]
        return table_for(
            target.kind,
            shown,
            include_object=include_object,
            now=cluster.clock.now(),
            list_meta={"resourceVersion": str(rv), **(list_meta or {})},
        )

    def _watch(
        self,
        cluster: Cluster,
        target: ResourceTarget,
        params: resources.Params,
        headers: Headers,
    ) -> Response:
        table = _wants_table(headers.get("accept", ""))
        include = params.get("includeObject") or "Metadata"

        def render(type_: str, obj: dict[str, Any]) -> dict[str, Any]:
            if not table:
                return obj
            from ..tables import table_for

            return table_for(target.kind, [obj], include_object=include, now=cluster.clock.now())

        media = JSON
        if table:
            media = "application/json;as=Table;v=v1;g=meta.k8s.io"
        return StreamingResponse(
            watching.stream(cluster, target, params, render),
            media_type=media,
            headers={"Transfer-Encoding": "chunked"},
        )

    async def _websocket(
        self, scope: Scope, receive: Receive, send: Send, tenant: Tenant | None, path: str
    ) -> None:
        websocket = WebSocket(scope, receive, send)
        try:
            if tenant is None:
                raise errors.NotFound("no such lab")
            if not self._authorized(tenant, websocket.headers.get("authorization", "")):
                raise errors.Unauthorized("Unauthorized")
            target = parse(tenant.cluster.registry, path)
            if not isinstance(target, ResourceTarget) or target.subresource not in ("exec",):
                raise errors.BadRequest("only pods/exec is served over WebSocket in the lab")
        except KubeError as exc:
            try:
                await websocket.send_denial_response(error_response(exc))
            except RuntimeError:  # the server does not support denial responses
                await websocket.close(code=1008, reason=exc.message[:120])
            return
        await exec_ws.serve_exec(websocket, tenant.cluster, target)


def _params(query: dict[str, str], headers: Mapping[str, str]) -> resources.Params:
    return resources.Params(query, headers.get("user-agent", ""))


def _watching(params: resources.Params, path: str) -> bool:
    return params.get("watch") in ("true", "1") or "/watch/" in path


async def _read_body(request: Request) -> bytes:
    """The whole body; 413 as soon as it is known to be over the limit."""
    length = request.headers.get("content-length")
    if length and length.isdigit():
        bodies.check_size(int(length))
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        bodies.check_size(size)
        chunks.append(chunk)
    return b"".join(chunks)


def _decoded_body(request: PlainRequest) -> Any:
    bodies.check_size(request.body_size)
    if not request.body.strip() and request.method == "DELETE":
        return None
    return bodies.decode(request.body, request.header("content-type"))


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def build_app(router: TenantRouter) -> ApiApp:
    return ApiApp(router)


__all__ = ["ApiApp", "Tenant", "TenantRouter", "build_app"]
