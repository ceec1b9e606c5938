"""The Kubernetes-compatible HTTP API over one or many clusters.

The only part of `meshcert.kube` that does I/O: HTTPS (a self-signed certificate per server),
bearer tokens, discovery, OpenAPI v3, JSON CRUD with `Status` errors, patches, Tables, watch,
pod logs and exec over WebSocket. Async lives here; the cluster underneath is synchronous.
"""
