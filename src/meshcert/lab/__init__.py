"""Labs: simulated clusters seeded from a scenario, served over HTTPS, durable across crashes.

Owns a lab's life (create, serve, resume, remove), its files under MESHCERT_HOME, its journal
and snapshots (no acknowledged change is lost), its kubeconfig and the process that hosts one
or many labs. May import `meshcert.kube` only. Does file and socket I/O.
"""
