"""`ApiReader`: the analyzers over a cluster read through the Kubernetes API (HTTPS, bearer
token, CA, paged lists), as on a real cluster. The served lab stands in for one: the messages
must be those of the in-process `LabReader`."""

from __future__ import annotations

import pytest
from running_api import RunningApi

from meshcert.lab.scenarios import load_scenario, seed
from meshcert.tools.istioctl.analyze import analyze
from meshcert.tools.istioctl.analyze.api_reader import ApiReader, ApiReadError
from meshcert.tools.istioctl.analyze.resources import LabReader

BROKEN_VS = {
    "apiVersion": "networking.istio.io/v1",
    "kind": "VirtualService",
    "metadata": {"name": "reviews", "namespace": "default"},
    "spec": {"hosts": ["reviews"], "gateways": ["nosuch"],
             "http": [{"route": [{"destination": {"host": "reviews2"}}]}]},
}  # fmt: skip


def test_the_api_reader_sees_what_the_lab_reader_sees(api: RunningApi) -> None:
    seed(api.cluster, load_scenario("istio-default"))
    api.cluster.create(api.cluster.kind_of(BROKEN_VS), BROKEN_VS)
    over_api = ApiReader(api.url, api.token, api.ca_pem).read()
    in_process = LabReader(api.cluster).read()
    assert sorted(r.friendly_name for r in over_api) == sorted(r.friendly_name for r in in_process)
    lines = [str(m) for m in analyze(over_api, None).messages]
    assert lines == [str(m) for m in analyze(in_process, None).messages]
    assert (
        'Error [IST0101] (VirtualService default/reviews) Referenced host not found: "reviews2"'
        in lines
    )


def test_a_refused_token_and_an_unreachable_server_are_read_errors(api: RunningApi) -> None:
    with pytest.raises(ApiReadError, match="401"):
        ApiReader(api.url, "wrong-token", api.ca_pem).read()
    with pytest.raises(ApiReadError, match="cannot reach"):
        ApiReader("https://127.0.0.1:1", api.token, api.ca_pem, timeout=2).read()
