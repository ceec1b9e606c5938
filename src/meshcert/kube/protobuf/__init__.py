"""Decoding `application/vnd.kubernetes.protobuf` request bodies into JSON-shaped objects.

`kubectl create namespace|configmap|secret|serviceaccount|service|deployment` send their object
as protobuf: the magic `k8s\\x00`, then a `runtime.Unknown` (1 typeMeta {1 apiVersion, 2 kind},
2 raw, 3 contentEncoding, 4 contentType) whose `raw` is the object in the wire format of
Kubernetes' `generated.proto`. This package reads that wire format for the kinds those generators
make, from a small declarative schema of field numbers. The result has the shape the JSON body
would have had, so the rest of the API server sees no difference.

Go's protobuf code writes every non-pointer field, even empty ones: empty scalars are dropped
here as the JSON encoder's `omitempty` would, while pointer fields (`replicas`, `immutable`)
keep a zero that was sent. A field this schema does not know is skipped when it carries no
data; otherwise the body is refused with 415 rather than silently losing what the user sent.
"""

from __future__ import annotations

from .decoding import MAGIC, MEDIA_TYPE, decode_body

__all__ = ["MAGIC", "MEDIA_TYPE", "decode_body"]
