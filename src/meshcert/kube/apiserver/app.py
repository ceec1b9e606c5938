"""The ASGI app: tenants (one cluster + token each) by path prefix or by port, then dispatch."""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from .. import errors
from ..cluster import Cluster
from ..errors import KubeError
from . import bodies, caching, discovery, exec_ws, podlogs, resources, watching, workstation
from .paths import Group, GroupVersion, ResourceTarget, parse

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


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(bodies.encode(body), status, headers=headers, media_type=JSON)


def error_response(exc: KubeError) -> Response:
    return json_response(exc.status(), exc.code)


def _wants_table(accept: str) -> bool:
    return "as=Table" in accept


def _include_object(request: Request) -> str:
    return request.query_params.get("includeObject") or "Metadata"


class ApiApp:
    """ASGI callable serving every tenant of a router."""

    def __init__(self, router: TenantRouter) -> None:
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] not in ("http", "websocket"):
            return
        tenant, path = self._route(scope)
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send, tenant, path)
            return
        request = Request(scope, receive)
        try:
            response = await self._http(request, tenant, path)
        except KubeError as exc:
            response = error_response(exc)
        except Exception:  # a bug must not kill the server: answer 500 as the apiserver does
            log.exception("internal error serving %s %s", scope.get("method"), path)
            response = error_response(errors.InternalError("an error on the server has occurred"))
        await response(scope, receive, send)

    def _route(self, scope: Scope) -> tuple[Tenant | None, str]:
        path: str = scope["path"]
        if path.startswith("/labs/"):
            _, _, rest = path.partition("/labs/")
            lab_id, _, tail = rest.partition("/")
            return self.router.by_prefix(lab_id), "/" + tail
        server = scope.get("server") or ("", 0)
        return self.router.by_port(int(server[1] or 0)), path

    def _authorized(self, tenant: Tenant, authorization: str) -> bool:
        scheme, _, token = authorization.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), tenant.token.encode()
        )

    async def _http(self, request: Request, tenant: Tenant | None, path: str) -> Response:
        if tenant is None:
            raise errors.NotFound("the server could not find the requested resource (no such lab)")
        if path in PUBLIC_PATHS:
            if path == "/version":
                return json_response(discovery.KUBERNETES_VERSION)
            return Response(b"ok", media_type="text/plain")
        if not self._authorized(tenant, request.headers.get("authorization", "")):
            raise errors.Unauthorized("Unauthorized")
        cluster = tenant.cluster
        if path == workstation.PATH:
            return await workstation.serve_run(request, cluster)
        accept = request.headers.get("accept", "")
        if path in ("/api", "/apis"):
            core = path == "/api"
            if discovery.wants_aggregated(accept):
                return caching.discovery(
                    request,
                    bodies.encode(discovery.aggregated(cluster.registry, core=core)),
                    discovery.AGGREGATED_CONTENT_TYPE,
                )
            if core:
                return json_response(discovery.api_versions())
            return json_response(discovery.api_group_list(cluster.registry))
        if path == "/openapi/v3" or path.startswith("/openapi/v3/"):
            return self._openapi(request, cluster, path)
        if path.startswith("/openapi/v2"):
            raise errors.NotFound("the server could not find the requested resource")
        target = parse(cluster.registry, path)
        if isinstance(target, Group):
            versions = cluster.registry.group_versions()[target.group]
            return json_response(discovery.api_group(target.group, versions))
        if isinstance(target, GroupVersion):
            return json_response(
                discovery.api_resource_list(cluster.registry, target.group, target.version)
            )
        return await self._resource(request, cluster, target)

    def _openapi(self, request: Request, cluster: Cluster, path: str) -> Response:
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

    async def _resource(
        self, request: Request, cluster: Cluster, target: ResourceTarget
    ) -> Response:
        method = request.method
        params = resources.Params(dict(request.query_params), request.headers.get("user-agent", ""))
        sub = target.subresource
        if sub == "log":
            return await podlogs.serve_logs(cluster, target, params)
        if sub in ("exec", "attach"):
            raise errors.BadRequest("Upgrade request required")
        if sub == "portforward":
            raise errors.BadRequest(
                "port-forward is not supported in the lab: reach services with "
                "`kubectl exec` and curl instead"
            )
        accept = request.headers.get("accept", "")
        if method == "GET":
            if not target.name:
                if params.get("watch") in ("true", "1") or "/watch/" in request.url.path:
                    return self._watch(cluster, target, params, accept, request)
                if _wants_table(accept):
                    items, rv, meta = resources.list_(cluster, target, params)
                    return json_response(self._table(cluster, target, items, request, rv, meta))
                reply = resources.list_reply(cluster, target, params)
                return json_response(reply.body, reply.status)
            reply = resources.get(cluster, target)
            if _wants_table(accept) and not sub:
                obj = reply.body
                return json_response(
                    self._table(cluster, target, [obj], request, cluster.store.resource_version)
                )
            return json_response(reply.body, reply.status)
        body = await self._body(request)
        content_type = request.headers.get("content-type", "")
        if method == "POST":
            reply = resources.create(cluster, target, params, body)
        elif method == "PUT":
            reply = resources.update(cluster, target, params, body)
        elif method == "PATCH":
            reply = resources.patch(cluster, target, params, bodies.media_type(content_type), body)
        elif method == "DELETE":
            reply = resources.delete(cluster, target, params, body)
        else:
            raise errors.MethodNotAllowed(
                "the server does not allow this method on the requested resource"
            )
        if _wants_table(accept) and reply.body.get("kind") == target.kind.kind:
            return json_response(
                self._table(cluster, target, [reply.body], request, cluster.store.resource_version),
                reply.status,
                reply.headers,
            )
        return json_response(reply.body, reply.status, reply.headers)

    async def _body(self, request: Request) -> Any:
        length = request.headers.get("content-length")
        if length and length.isdigit():
            bodies.check_size(int(length))
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            bodies.check_size(size)
            chunks.append(chunk)
        raw = b"".join(chunks)
        if not raw.strip() and request.method == "DELETE":
            return None
        return bodies.decode(raw, request.headers.get("content-type", ""))

    def _table(
        self,
        cluster: Cluster,
        target: ResourceTarget,
        objects: list[dict[str, Any]],
        request: Request,
        rv: int,
        list_meta: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        from ..tables import table_for

        shown = [resources.present(o, target.kind, target.version) for o in objects]
        return table_for(
            target.kind,
            shown,
            include_object=_include_object(request),
            now=cluster.clock.now(),
            list_meta={"resourceVersion": str(rv), **(list_meta or {})},
        )

    def _watch(
        self,
        cluster: Cluster,
        target: ResourceTarget,
        params: resources.Params,
        accept: str,
        request: Request,
    ) -> Response:
        table = _wants_table(accept)
        include = _include_object(request)

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
