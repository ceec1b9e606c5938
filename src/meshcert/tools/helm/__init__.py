"""`helm` in the lab: helm 3 for Istio's charts (istio/base, istio/istiod, istio/gateway,
istio/cni, istio/ztunnel) over the install renderer of `meshcert.mesh.install`; releases stored
as `sh.helm.release.v1.<name>.v<N>` Secrets as helm 3 stores them."""
