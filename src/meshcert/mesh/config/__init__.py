"""Istio's configuration objects parsed once per view: mesh config, workloads, services (Kubernetes
Services and ServiceEntries in one registry), VirtualServices with their matchers compiled,
DestinationRules, Gateways and Sidecars.

Pure data and parsing: no I/O, no cluster access (`meshcert.mesh.view` hands the raw objects in).
"""
