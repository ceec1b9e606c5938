"""The simulated Kubernetes cluster.

Owns the object model, the registry of served kinds and their schemas, the versioned store with
watch, patching, admission and controller plug-in points, built-in controllers, the exec program
registry, and the Kubernetes-compatible HTTP API (`meshcert.kube.apiserver`).

Knows nothing about Istio and imports no other meshcert part. The core (everything but
`apiserver`) is synchronous and does no I/O.
"""
