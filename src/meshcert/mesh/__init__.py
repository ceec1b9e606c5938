"""Istio's semantics over the simulated cluster: installation, injection, the control plane's
push model, routing, request simulation and (later) security and analysis.

Synchronous and free of I/O: functions over read-only views of a `meshcert.kube` cluster, plus
the admission hooks and controllers that plug them into one. Never imports tools, lab, grading
or the faces, nor the web stack. See docs/mesh.md.
"""
