"""Which mesh config texts istiod 1.26 refuses while decoding them, and in which words.

The decoder is github.com/golang/protobuf jsonpb (jsonpb/decode.go), run by istio/istio
pkg/util/protomarshal `ApplyJSON` from pkg/config/mesh/mesh.go `ApplyMeshConfig` over the
MeshConfig tree of istio/api mesh/v1alpha1/config.proto and proxy.proto; the type errors are
encoding/json's (`UnmarshalTypeError`, scanner `SyntaxError`), a Duration's time.ParseDuration's
(`bad Duration: ...`), the YAML read by go-yaml v2 (sigs.k8s.io/yaml `YAMLToJSON`).
"""

from __future__ import annotations

import pytest

from meshcert.mesh.controlplane.meshconfig_check import mesh_config_error

PREFIX = "failed to convert to proto. "
INTO = "json: cannot unmarshal"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        # enums anywhere in the tree: jsonpb `unknown value %q for enum %s`, raw token quoted
        (
            "defaultConfig:\n  interceptionMode: TPROXYY\n",
            'unknown value "\\"TPROXYY\\"" for enum '
            "istio.mesh.v1alpha1.ProxyConfig.InboundInterceptionMode",
        ),
        (
            "meshMTLS:\n  minProtocolVersion: TLSV1_1\n",
            'unknown value "\\"TLSV1_1\\"" for enum '
            "istio.mesh.v1alpha1.MeshConfig.TLSConfig.TLSProtocol",
        ),
        (
            "defaultConfig:\n  tracing:\n    tlsSettings:\n      mode: MUTUAL_TLS\n",
            'unknown value "\\"MUTUAL_TLS\\"" for enum '
            "istio.networking.v1alpha3.ClientTLSSettings.TLSmode",
        ),
        # an enum that is not a string goes into protoreflect.EnumNumber
        (
            "accessLogEncoding: true\n",
            f"{INTO} bool into Go value of type protoreflect.EnumNumber",
        ),
        # google.protobuf.BoolValue: its one field is a bool
        (
            "defaultConfig:\n  holdApplicationUntilProxyStarts: maybe\n",
            f"{INTO} string into Go value of type bool",
        ),
        # go-yaml v2 reads a bare `y` as a boolean, so a string field refuses it
        ("trustDomain: y\n", f"{INTO} bool into Go value of type string"),
        # google.protobuf.Duration: a JSON string time.ParseDuration reads
        ("connectTimeout: 10\n", f"{INTO} number into Go value of type string"),
        ("connectTimeout: abc\n", 'bad Duration: time: invalid duration "abc"'),
        ("connectTimeout: '10'\n", 'bad Duration: time: missing unit in duration "10"'),
        ("connectTimeout: 10x\n", 'bad Duration: time: unknown unit "x" in duration "10x"'),
        ("tcpKeepalive:\n  time: 7200\n", f"{INTO} number into Go value of type string"),
        # numbers: quotes stripped (trimQuote), then encoding/json's scanner and range
        (
            "defaultConfig:\n  concurrency: two\n",
            "invalid character 'w' in literal true (expecting 'r')",
        ),
        (
            "defaultConfig:\n  concurrency: abc\n",
            "invalid character 'a' looking for beginning of value",
        ),
        (
            "defaultConfig:\n  concurrency: 2.5\n",
            f"{INTO} number 2.5 into Go value of type int32",
        ),
        (
            "proxyListenPort: 3000000000\n",
            f"{INTO} number 3000000000 into Go value of type int32",
        ),
        (
            "extensionProviders:\n- name: zipkin\n  zipkin:\n    service: zipkin.istio-system\n"
            "    port: -1\n",
            f"{INTO} number -1 into Go value of type uint32",
        ),
        # a message given a scalar, a list given a map, a map given a list
        (
            "outboundTrafficPolicy: ALLOW_ANY\n",
            f"{INTO} string into Go value of type map[string]json.RawMessage",
        ),
        (
            "discoverySelectors:\n  matchLabels:\n    env: prod\n",
            f"{INTO} object into Go value of type []json.RawMessage",
        ),
        ("trustDomainAliases: td2\n", f"{INTO} string into Go value of type []json.RawMessage"),
        (
            "defaultProviders:\n  tracing: zipkin\n",
            f"{INTO} string into Go value of type []json.RawMessage",
        ),
        (
            "caCertificates:\n  pem: cert\n",
            f"{INTO} object into Go value of type []json.RawMessage",
        ),
        (
            "defaultConfig:\n  proxyMetadata:\n  - ISTIO_META_DNS_CAPTURE\n",
            f"{INTO} array into Go value of type map[string]json.RawMessage",
        ),
        # a map<string, string> value that is not a string
        (
            "defaultConfig:\n  proxyMetadata:\n    ISTIO_META_DNS_CAPTURE: true\n",
            f"{INTO} bool into Go value of type string",
        ),
        (
            "localityLbSetting:\n  enabled: sure\n",
            f"{INTO} string into Go value of type bool",
        ),
        # google.protobuf.Struct
        (
            "extensionProviders:\n- name: log\n  envoyFileAccessLog:\n    logFormat:\n"
            "      labels: status\n",
            f"bad StructValue: {INTO} string into Go value of type map[string]json.RawMessage",
        ),
        # proto field names are read too
        (
            "default_config:\n  hold_application_until_proxy_starts: maybe\n",
            f"{INTO} string into Go value of type bool",
        ),
    ],
)
def test_a_wrong_value_anywhere_is_refused_with_the_decoders_words(text: str, error: str) -> None:
    assert mesh_config_error(text) == PREFIX + error


@pytest.mark.parametrize(
    ("text", "error"),
    [
        # go-yaml v2 has no base 60: `1:30` stays a string, which is no Go duration
        ("connectTimeout: 1:30\n", 'bad Duration: time: unknown unit ":" in duration "1:30"'),
        # an infinity reads as a float that json.Marshal (in YAMLToJSON) will not write
        ("defaultConfig:\n  tracing:\n    sampling: .inf\n", "json: unsupported value: +Inf"),
    ],
)
def test_the_yaml_is_read_as_go_yaml_v2_reads_it(text: str, error: str) -> None:
    """sigs.k8s.io/yaml `YAMLToJSON`: go-yaml v2 resolve.go, then encoding/json Marshal."""
    assert mesh_config_error(text) == PREFIX + error


@pytest.mark.parametrize(
    ("text", "ending"),
    [
        ("a: [\n", "yaml: line 1: did not find expected node content"),
        ("a: b: c\n", "yaml: mapping values are not allowed in this context"),
        (
            "outboundTrafficPolicy:\n  mode: ALLOW_ANY\n bad: 1\n",
            "yaml: line 2: did not find expected key",
        ),
    ],
)
def test_yaml_that_does_not_parse_gets_go_yamls_words(text: str, ending: str) -> None:
    """go-yaml v2 yaml.go `parser.fail`: libyaml's problem after `line N: `, N being the
    problem's 0-based line (plus one for a scanner error), nothing when it is 0."""
    error = mesh_config_error(text)
    assert error is not None
    assert error.startswith(PREFIX)
    assert error.endswith(ending)


def test_the_first_bad_field_in_declaration_order_is_the_one_reported() -> None:
    """jsonpb decodes a message's fields in the proto's declaration order: proxy_listen_port
    (field 4) is declared before enable_tracing in config.proto."""
    text = "enableTracing: sometimes\nproxyListenPort: many\n"
    assert mesh_config_error(text) == (
        PREFIX + "invalid character 'm' looking for beginning of value"
    )


@pytest.mark.parametrize(
    "text",
    [
        # go-yaml v2 booleans, and its floats (1e3 is one, a whole one)
        "defaultConfig:\n  holdApplicationUntilProxyStarts: yes\n",
        "enableTracing: y\n",
        "defaultConfig:\n  concurrency: 1e3\n",
        # a quoted number is a number to jsonpb, a number an enum's number
        "defaultConfig:\n  concurrency: '2'\n",
        "accessLogEncoding: 1\n",
        # Go durations, and null leaving a field unset
        "connectTimeout: 1m30s\ndnsRefreshRate: 500ms\n",
        "connectTimeout: null\n",
        # a misspelt or unknown field is skipped (ApplyJSON retries allowing unknown fields)
        "defaultConfig:\n  holdApplicationUntilProxyStart: maybe\n",
        "notAField: [1, 2]\n",
        # the double's non-finite names, a date that stays a string
        "defaultConfig:\n  tracing:\n    sampling: NaN\n",
        "rootNamespace: 2001-12-14\n",
        # every part of a real istioctl 1.26 mesh config
        "accessLogFile: /dev/stdout\ndefaultConfig:\n  discoveryAddress: "
        "istiod.istio-system.svc:15012\n  proxyMetadata: {}\n  tracing:\n    zipkin:\n"
        "      address: zipkin.istio-system:9411\nenablePrometheusMerge: true\n"
        "rootNamespace: istio-system\ntrustDomain: cluster.local\n",
        "extensionProviders:\n- name: otel\n  opentelemetry:\n    service: otel.observability"
        "\n    port: 4317\n- name: authz\n  envoyExtAuthzHttp:\n    service: authz.foo\n"
        "    port: '9000'\n    timeout: 2s\n    includeRequestHeadersInCheck: [x-user]\n"
        "defaultProviders:\n  tracing: [otel]\n"
        "discoverySelectors:\n- matchLabels:\n    env: prod\n- matchExpressions:\n"
        "  - key: app\n    operator: In\n    values: [cassandra]\n",
    ],
)
def test_a_well_typed_text_is_accepted(text: str) -> None:
    assert mesh_config_error(text) is None
