"""Programs that run inside the lab: curl, fortio, nc, nslookup, istioctl and helm.

Each is a function from argv, stdin and the cluster to stdout, stderr and an exit code,
registered in the cluster's exec program registry by `equipment.equip`. Builds on
`meshcert.mesh` for Istio's meaning; never imports lab, grading or the faces. See docs/mesh.md.
"""
