"""The request simulation: what happens to one request from a client pod (or none) to a URL,
walking DNS, the client's sidecar (routing, faults, retries, timeouts, mirrors, connection
pools, outlier detection), the server's inbound sidecar and the app chosen by the image, and
back with Envoy's headers, response flags, access log lines and a virtual duration.

Entry points: `engine.lookup` (DNS as a pod sees it) and `engine.exchange` (one request to an
address and port). Pure apart from the lab state it keeps in `cluster.extensions` (the seeded
random generator, circuit-breaker and outlier-detection counters) and the log lines it appends
through `cluster.logs`. Callers hold `cluster.lock`. See docs/mesh.md "The request path".
"""
