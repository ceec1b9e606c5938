"""Register the traffic programs on a cluster, each in the images that ship it: curl in curl
images (curlimages/curl, Istio's samples/curl), the bookinfo images (the docs curl productpage
from the ratings pod), httpbin and Istio's proxy image; fortio in fortio images; nc, nslookup
and wget in busybox-based images (curlimages/curl is Alpine: busybox); pilot-agent in the
proxy image. Also starts tracking the control plane's pushes for the request simulation."""

from __future__ import annotations

from meshcert.kube.cluster import Cluster
from meshcert.mesh.simulation.state import track_pushes

from .curl.program import curl
from .fortio import fortio
from .netcat import nc
from .nslookup import nslookup
from .pilot_agent import pilot_agent
from .wget import wget

CURL_IMAGES = (
    "*curl*",
    "*sleep*",
    "*examples-bookinfo-*",
    "*httpbin*",
    "*istio/proxyv2*",
    "*netshoot*",
    "*ubuntu*",
    "*debian*",
    "*nginx*",
    "*alpine*",
)


BUSYBOX_IMAGES = ("*curl*", "*sleep*", "*busybox*", "*alpine*", "*netshoot*", "*tcp-echo*")
FORTIO_IMAGES = ("*fortio*",)
PROXY_IMAGES = ("*proxyv2*",)


def register(cluster: Cluster) -> None:
    track_pushes(cluster)
    cluster.programs.register("curl", curl, images=CURL_IMAGES)
    cluster.programs.register("fortio", fortio, images=FORTIO_IMAGES)
    cluster.programs.register("nc", nc, images=BUSYBOX_IMAGES)
    cluster.programs.register("nslookup", nslookup, images=BUSYBOX_IMAGES)
    cluster.programs.register("pilot-agent", pilot_agent, images=PROXY_IMAGES)
    cluster.programs.register("wget", wget, images=BUSYBOX_IMAGES)


__all__ = ["BUSYBOX_IMAGES", "CURL_IMAGES", "FORTIO_IMAGES", "PROXY_IMAGES", "register"]
