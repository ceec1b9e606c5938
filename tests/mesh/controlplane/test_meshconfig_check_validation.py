"""The mesh configs istiod 1.26 decodes but then refuses, and the error it gives.

istio/istio pkg/config/mesh/mesh.go `ApplyMeshConfig` returns, unprefixed, the error of
pkg/config/validation/agent/validation.go `ValidateMeshConfig`, run on the text laid over
`DefaultMeshConfig()` (defaultConfig over `DefaultProxyConfig()`). Lists of errors are
hashicorp/go-multierror's (`N error(s) occurred:` and a tab-star line each); a single plain
error is its bare text.
"""

from __future__ import annotations

import pytest

from meshcert.mesh.controlplane.meshconfig_check import mesh_config_error


def listed(*errors: str) -> str:
    """go-multierror's ListFormatFunc."""
    if len(errors) == 1:
        return f"1 error occurred:\n\t* {errors[0]}\n\n"
    points = "\n\t".join(f"* {error}" for error in errors)
    return f"{len(errors)} errors occurred:\n\t{points}\n\n"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        # ValidatePort(ProxyListenPort), prefixed, a plain error
        (
            "proxyListenPort: 0\n",
            "invalid proxy listen port: port number 0 must be in the range 1..65535",
        ),
        # ValidateConnectTimeout: ValidateDuration then the 1ms..1h range
        ("connectTimeout: 500us\n", "invalid connect timeout: duration must be greater than 1ms"),
        (
            "connectTimeout: 1500us\n",
            "invalid connect timeout: only durations to ms precision are supported",
        ),
        ("connectTimeout: 2h\n", "invalid connect timeout: time 2h0m0s must be >1ms and <1h0m0s"),
        (
            "protocolDetectionTimeout: 100us\n",
            "invalid protocol detection timeout: only durations to ms precision are supported",
        ),
        # ValidateLocalityLbSetting: plain errors
        (
            "localityLbSetting:\n  distribute:\n  - from: us-west/zone1/*\n    to:\n"
            "      us-west/zone1/*: 80\n",
            "total locality weight 80 != 100",
        ),
        (
            "localityLbSetting:\n  distribute:\n  - from: us-west/*\n    to:\n      us-west/*: 0\n",
            "locality weight must be in range [1, 100]",
        ),
        (
            "localityLbSetting:\n  failover:\n  - from: us-east\n    to: us-east\n",
            "locality lb failover settings must specify different regions",
        ),
        (
            "localityLbSetting:\n  distribute:\n  - from: a\n    to: {a: 100}\n  failover:\n"
            "  - from: b\n    to: c\n",
            "can not simultaneously specify 'distribute' and 'failover'",
        ),
        # ValidateMeshConfigProxyConfig returns a list, even of one
        (
            "defaultConfig:\n  discoveryAddress: istiod\n",
            listed(
                'invalid discovery address: unable to split "istiod": address istiod: '
                "missing port in address"
            ),
        ),
        (
            "defaultConfig:\n  discoveryAddress: istiod.istio-system.svc:grpc\n",
            listed(
                "invalid discovery address: port (grpc) is not a number: "
                'strconv.Atoi: parsing "grpc": invalid syntax'
            ),
        ),
        (
            "defaultConfig:\n  discoveryAddress: istiod_1:15012\n",
            listed(
                'invalid discovery address: "istiod_1" is not a valid hostname or an IP address'
            ),
        ),
        (
            "defaultConfig:\n  discoveryAddress: ''\n",
            listed("discovery address must be set to the proxy discovery service"),
        ),
        (
            "defaultConfig:\n  drainDuration: 1500ms\n",
            listed("drain time only supports durations to seconds precision"),
        ),
        (
            "defaultConfig:\n  tracing:\n    zipkin:\n      address: zipkin\n",
            listed(
                'invalid zipkin config: unable to split "zipkin": address zipkin: '
                "missing port in address"
            ),
        ),
        (
            "defaultConfig:\n  proxyAdminPort: 0\n  statusPort: 70000\n",
            listed(
                "invalid proxy admin port: port number 0 must be in the range 1..65535",
                "invalid status port: port number 70000 must be in the range 1..65535",
            ),
        ),
        (
            "defaultConfig:\n  controlPlaneAuthPolicy: INHERIT\n",
            listed(
                'invalid authentication policy: unrecognized control plane auth policy "INHERIT"'
            ),
        ),
        (
            "defaultConfig:\n  tracing:\n    tlsSettings:\n      mode: MUTUAL\n",
            listed(
                "invalid tracing TLS config: client certificate required for mutual tls",
                "invalid tracing TLS config: private key required for mutual tls",
            ),
        ),
        # trust domain and its aliases (sorted, de-duplicated), service settings, mesh TLS
        ("trustDomain: ''\n", listed("trustDomain: empty domain name not allowed")),
        ("trustDomain: my_domain\n", listed('trustDomain: trust domain name "my_domain" invalid')),
        (
            "trustDomainAliases: [td_b, ok.td, td_a, td_a]\n",
            listed(
                'trustDomainAliases[1], domain `td_a` : trust domain name "td_a" invalid',
                'trustDomainAliases[2], domain `td_b` : trust domain name "td_b" invalid',
            ),
        ),
        (
            "serviceSettings:\n- settings:\n    clusterLocal: true\n  hosts:\n"
            "  - '*.foo.svc.cluster.local'\n  - bar_baz\n",
            listed(
                'serviceSettings[0], host `bar_baz`: domain name "bar_baz" invalid '
                '(label "bar_baz" invalid)'
            ),
        ),
        (
            "meshMTLS:\n  ecdhCurves: [P-256]\n",
            listed("mesh TLS does not support ECDH curves configuration"),
        ),
        # errors of several checks, in ValidateMeshConfig's order, flattened into one list
        (
            "trustDomain: ''\nproxyListenPort: 0\ndefaultConfig:\n  discoveryAddress: istiod\n",
            listed(
                "invalid proxy listen port: port number 0 must be in the range 1..65535",
                'invalid discovery address: unable to split "istiod": address istiod: '
                "missing port in address",
                "trustDomain: empty domain name not allowed",
            ),
        ),
    ],
)
def test_a_decoded_mesh_config_istiod_refuses(text: str, error: str) -> None:
    assert mesh_config_error(text) == error


@pytest.mark.parametrize(
    "text",
    [
        # proxyInboundListenPort is not among the checked fields
        "proxyInboundListenPort: 0\n",
        # 0s turns protocol detection's timeout off
        "protocolDetectionTimeout: 0s\n",
        # an IP, and $(HOST_IP) (replaced by 127.0.0.1 before the check)
        "defaultConfig:\n  discoveryAddress: 10.0.0.1:15012\n  tracing:\n    zipkin:\n"
        "      address: $(HOST_IP):9411\n",
        # a tracing service name replaces the service cluster (one oneof)
        "defaultConfig:\n  serviceCluster: ''\n  tracingServiceName: CANONICAL_NAME_ONLY\n",
        # an empty tracing replaces the default zipkin tracer: nothing left to check
        "defaultConfig:\n  tracing: {}\n",
        "localityLbSetting:\n  distribute:\n  - from: us-west/zone1/*\n    to:\n"
        "      us-west/zone1/*: 80\n      us-west/zone2/*: 20\n",
    ],
)
def test_a_mesh_config_that_passes_the_checks_is_accepted(text: str) -> None:
    assert mesh_config_error(text) is None


def test_the_decoders_error_comes_before_the_checks() -> None:
    """`ApplyMeshConfig` validates only what decoded: a type error is reported alone."""
    text = "proxyListenPort: 0\nconnectTimeout: 10\n"
    assert mesh_config_error(text) == (
        "failed to convert to proto. json: cannot unmarshal number into Go value of type string"
    )
