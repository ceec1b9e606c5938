"""The MeshConfig message tree as istiod's JSON decoder sees it: field names, kinds, enums.

Written from istio/api mesh/v1alpha1/config.proto (commit 0040fb30) and proxy.proto (commit
00d4ed3c), with the types they reference from networking/v1alpha3 destination_rule.proto,
virtual_service.proto (HTTPRetry), workload_group.proto (ReadinessProbe), networking/v1beta1
proxy_config.proto (ProxyImage) and k8s.io/apimachinery meta/v1 (LabelSelector). Fields are
listed in declaration order, the order jsonpb decodes them in (so the first bad field of a
message is the one reported). A field missing here is decoded like an unknown one: accepted
without a look at its value, which is what istiod 1.26 does with a name it does not know.

The text is parsed on first use only (`message_tree`), so importing the lab costs nothing.
Grammar: `message NAME` starts a message; an indented `field [repeated|map] TYPE` line adds a
field (`map` is map<string, TYPE>); `enum FULL.NAME VALUE=N ...` declares an enum. TYPE is a
scalar (bool string bytes int32 int64 uint32 uint64 float double), a well-known type
(Duration, BoolValue, Int32Value, UInt32Value, Int64Value, UInt64Value, FloatValue,
DoubleValue, StringValue, Struct), an enum's full name or a message's name.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

_TREE = """
enum istio.mesh.v1alpha1.MeshConfig.IngressControllerMode UNSPECIFIED=0 OFF=1 DEFAULT=2 STRICT=3
enum istio.mesh.v1alpha1.MeshConfig.AccessLogEncoding TEXT=0 JSON=1
enum istio.mesh.v1alpha1.MeshConfig.OutboundTrafficPolicy.Mode REGISTRY_ONLY=0 ALLOW_ANY=1
enum istio.mesh.v1alpha1.MeshConfig.InboundTrafficPolicy.Mode PASSTHROUGH=0 LOCALHOST=1
enum istio.mesh.v1alpha1.MeshConfig.H2UpgradePolicy DO_NOT_UPGRADE=0 UPGRADE=1
enum istio.mesh.v1alpha1.MeshConfig.ProxyPathNormalization.NormalizationType DEFAULT=0 NONE=1 \
BASE=2 MERGE_SLASHES=3 DECODE_AND_MERGE_SLASHES=4
enum istio.mesh.v1alpha1.MeshConfig.TLSConfig.TLSProtocol TLS_AUTO=0 TLSV1_2=1 TLSV1_3=2
enum istio.mesh.v1alpha1.MeshConfig.ExtensionProvider.OpenCensusAgentTracingProvider.TraceContext \
UNSPECIFIED=0 W3C_TRACE_CONTEXT=1 GRPC_BIN=2 CLOUD_TRACE_CONTEXT=3 B3=4
enum istio.mesh.v1alpha1.Resource SERVICE_REGISTRY=0
enum istio.mesh.v1alpha1.AuthenticationPolicy NONE=0 MUTUAL_TLS=1 INHERIT=1000
enum istio.mesh.v1alpha1.ProxyConfig.TracingServiceName APP_LABEL_AND_NAMESPACE=0 \
CANONICAL_NAME_ONLY=1 CANONICAL_NAME_AND_NAMESPACE=2
enum istio.mesh.v1alpha1.ProxyConfig.InboundInterceptionMode REDIRECT=0 TPROXY=1 NONE=2
enum istio.mesh.v1alpha1.Topology.ForwardClientCertDetails UNDEFINED=0 SANITIZE=1 \
FORWARD_ONLY=2 APPEND_FORWARD=3 SANITIZE_SET=4 ALWAYS_FORWARD_ONLY=5
enum istio.mesh.v1alpha1.Tracing.OpenCensusAgent.TraceContext UNSPECIFIED=0 \
W3C_TRACE_CONTEXT=1 GRPC_BIN=2 CLOUD_TRACE_CONTEXT=3 B3=4
enum istio.networking.v1alpha3.ClientTLSSettings.TLSmode DISABLE=0 SIMPLE=1 MUTUAL=2 \
ISTIO_MUTUAL=3

message MeshConfig
  proxy_listen_port int32
  proxy_inbound_listen_port int32
  proxy_http_port int32
  connect_timeout Duration
  protocol_detection_timeout Duration
  tcp_keepalive TcpKeepalive
  ingress_class string
  ingress_service string
  ingress_controller_mode istio.mesh.v1alpha1.MeshConfig.IngressControllerMode
  ingress_selector string
  enable_tracing bool
  access_log_file string
  access_log_format string
  access_log_encoding istio.mesh.v1alpha1.MeshConfig.AccessLogEncoding
  enable_envoy_access_log_service bool
  disable_envoy_listener_log bool
  default_config ProxyConfig
  outbound_traffic_policy OutboundTrafficPolicy
  inbound_traffic_policy InboundTrafficPolicy
  config_sources repeated ConfigSource
  enable_auto_mtls BoolValue
  trust_domain string
  trust_domain_aliases repeated string
  ca_certificates repeated CertificateData
  default_service_export_to repeated string
  default_virtual_service_export_to repeated string
  default_destination_rule_export_to repeated string
  root_namespace string
  locality_lb_setting LocalityLoadBalancerSetting
  dns_refresh_rate Duration
  h2_upgrade_policy istio.mesh.v1alpha1.MeshConfig.H2UpgradePolicy
  inbound_cluster_stat_name string
  outbound_cluster_stat_name string
  certificates repeated Certificate
  service_settings repeated ServiceSettings
  enable_prometheus_merge BoolValue
  verify_certificate_at_client BoolValue
  ca CA
  extension_providers repeated ExtensionProvider
  default_providers DefaultProviders
  discovery_selectors repeated LabelSelector
  path_normalization ProxyPathNormalization
  default_http_retry_policy HTTPRetry
  mesh_mTLS TLSConfig
  tls_defaults TLSConfig
  compliance_policy string

message OutboundTrafficPolicy
  mode istio.mesh.v1alpha1.MeshConfig.OutboundTrafficPolicy.Mode

message InboundTrafficPolicy
  mode istio.mesh.v1alpha1.MeshConfig.InboundTrafficPolicy.Mode

message ConfigSource
  address string
  tls_settings ClientTLSSettings
  subscribed_resources repeated istio.mesh.v1alpha1.Resource

message CertificateData
  pem string
  spiffe_bundle_url string
  cert_signers repeated string
  trust_domains repeated string

message Certificate
  secret_name string
  dns_names repeated string

message ServiceSettings
  settings ServiceSettingsSettings
  hosts repeated string

message ServiceSettingsSettings
  cluster_local bool

message CA
  address string
  tls_settings ClientTLSSettings
  request_timeout Duration
  istiod_side bool

message ExtensionProvider
  name string
  envoy_ext_authz_http EnvoyExternalAuthorizationHttpProvider
  envoy_ext_authz_grpc EnvoyExternalAuthorizationGrpcProvider
  zipkin ZipkinTracingProvider
  lightstep LightstepTracingProvider
  datadog DatadogTracingProvider
  stackdriver StackdriverProvider
  opencensus OpenCensusAgentTracingProvider
  skywalking SkyWalkingTracingProvider
  opentelemetry OpenTelemetryTracingProvider
  prometheus Empty
  envoy_file_access_log EnvoyFileAccessLogProvider
  envoy_http_als EnvoyHttpGrpcV3LogProvider
  envoy_tcp_als EnvoyTcpGrpcV3LogProvider
  envoy_otel_als EnvoyOpenTelemetryLogProvider

message Empty

message EnvoyExternalAuthorizationRequestBody
  max_request_bytes uint32
  allow_partial_message bool
  pack_as_bytes bool

message EnvoyExternalAuthorizationHttpProvider
  service string
  port uint32
  timeout Duration
  path_prefix string
  fail_open bool
  status_on_error string
  include_headers_in_check repeated string
  include_request_headers_in_check repeated string
  include_additional_headers_in_check map string
  include_request_body_in_check EnvoyExternalAuthorizationRequestBody
  headers_to_upstream_on_allow repeated string
  headers_to_downstream_on_deny repeated string
  headers_to_downstream_on_allow repeated string

message EnvoyExternalAuthorizationGrpcProvider
  service string
  port uint32
  timeout Duration
  fail_open bool
  status_on_error string
  include_request_body_in_check EnvoyExternalAuthorizationRequestBody

message ZipkinTracingProvider
  service string
  port uint32
  max_tag_length uint32
  enable_64bit_trace_id bool

message LightstepTracingProvider
  service string
  port uint32
  access_token string
  max_tag_length uint32

message DatadogTracingProvider
  service string
  port uint32
  max_tag_length uint32

message SkyWalkingTracingProvider
  service string
  port uint32
  access_token string

message StackdriverProvider
  debug bool
  max_number_of_attributes Int64Value
  max_number_of_annotations Int64Value
  max_number_of_message_events Int64Value
  max_tag_length uint32
  logging StackdriverLogging

message StackdriverLogging
  labels map string

message OpenCensusAgentTracingProvider
  service string
  port uint32
  context repeated \
istio.mesh.v1alpha1.MeshConfig.ExtensionProvider.OpenCensusAgentTracingProvider.TraceContext
  max_tag_length uint32

message EnvoyFileAccessLogProvider
  path string
  log_format LogFormat

message LogFormat
  text string
  labels Struct

message EnvoyHttpGrpcV3LogProvider
  service string
  port uint32
  log_name string
  filter_state_objects_to_log repeated string
  additional_request_headers_to_log repeated string
  additional_response_headers_to_log repeated string
  additional_response_trailers_to_log repeated string

message EnvoyTcpGrpcV3LogProvider
  service string
  port uint32
  log_name string
  filter_state_objects_to_log repeated string

message EnvoyOpenTelemetryLogProvider
  service string
  port uint32
  log_name string
  log_format LogFormat

message OpenTelemetryTracingProvider
  service string
  port uint32
  max_tag_length uint32
  http HttpService
  resource_detectors ResourceDetectors

message HttpService
  path string
  timeout Duration
  headers repeated NameValue

message NameValue
  name string
  value string

message ResourceDetectors
  environment Empty
  dynatrace Empty

message DefaultProviders
  tracing repeated string
  metrics repeated string
  access_logging repeated string

message LabelSelector
  matchLabels map string
  matchExpressions repeated LabelSelectorRequirement

message LabelSelectorRequirement
  key string
  operator string
  values repeated string

message ProxyPathNormalization
  normalization istio.mesh.v1alpha1.MeshConfig.ProxyPathNormalization.NormalizationType

message TLSConfig
  min_protocol_version istio.mesh.v1alpha1.MeshConfig.TLSConfig.TLSProtocol
  ecdh_curves repeated string
  cipher_suites repeated string

message ProxyConfig
  config_path string
  binary_path string
  service_cluster string
  tracing_service_name istio.mesh.v1alpha1.ProxyConfig.TracingServiceName
  drain_duration Duration
  parent_shutdown_duration Duration
  discovery_address string
  discovery_refresh_delay Duration
  zipkin_address string
  statsd_udp_address string
  envoy_metrics_service_address string
  proxy_admin_port int32
  availability_zone string
  control_plane_auth_policy istio.mesh.v1alpha1.AuthenticationPolicy
  custom_config_file string
  stat_name_length int32
  concurrency Int32Value
  proxy_bootstrap_template_path string
  interception_mode istio.mesh.v1alpha1.ProxyConfig.InboundInterceptionMode
  tracing Tracing
  sds SDS
  envoy_access_log_service RemoteService
  envoy_metrics_service RemoteService
  proxy_metadata map string
  runtime_values map string
  status_port int32
  extra_stat_tags repeated string
  gateway_topology Topology
  termination_drain_duration Duration
  mesh_id string
  readiness_probe ReadinessProbe
  proxy_stats_matcher ProxyStatsMatcher
  hold_application_until_proxy_starts BoolValue
  ca_certificates_pem repeated string
  image ProxyImage
  private_key_provider PrivateKeyProvider

message Tracing
  zipkin TracingAddress
  lightstep TracingLightstep
  datadog TracingAddress
  stackdriver TracingStackdriver
  open_census_agent TracingOpenCensusAgent
  custom_tags map CustomTag
  max_path_tag_length uint32
  sampling double
  tls_settings ClientTLSSettings

message TracingAddress
  address string

message TracingLightstep
  address string
  access_token string

message TracingStackdriver
  debug bool
  max_number_of_attributes Int64Value
  max_number_of_annotations Int64Value
  max_number_of_message_events Int64Value

message TracingOpenCensusAgent
  address string
  context repeated istio.mesh.v1alpha1.Tracing.OpenCensusAgent.TraceContext

message CustomTag
  literal CustomTagLiteral
  environment CustomTagDefaulted
  header CustomTagDefaulted

message CustomTagLiteral
  value string

message CustomTagDefaulted
  name string
  default_value string

message SDS
  enabled bool
  k8s_sa_jwt_path string

message Topology
  num_trusted_proxies uint32
  forward_client_cert_details istio.mesh.v1alpha1.Topology.ForwardClientCertDetails

message RemoteService
  address string
  tls_settings ClientTLSSettings
  tcp_keepalive TcpKeepalive

message ProxyStatsMatcher
  inclusion_prefixes repeated string
  inclusion_suffixes repeated string
  inclusion_regexps repeated string

message ProxyImage
  image_type string

message PrivateKeyProvider
  cryptomb CryptoMb

message CryptoMb
  poll_delay Duration

message ClientTLSSettings
  mode istio.networking.v1alpha3.ClientTLSSettings.TLSmode
  client_certificate string
  private_key string
  ca_certificates string
  credential_name string
  subject_alt_names repeated string
  sni string
  insecure_skip_verify BoolValue
  ca_crl string

message TcpKeepalive
  probes uint32
  time Duration
  interval Duration

message LocalityLoadBalancerSetting
  distribute repeated LocalityDistribute
  failover repeated LocalityFailover
  failover_priority repeated string
  enabled BoolValue

message LocalityDistribute
  from string
  to map uint32

message LocalityFailover
  from string
  to string

message HTTPRetry
  attempts int32
  per_try_timeout Duration
  retry_on string
  retry_remote_localities BoolValue

message ReadinessProbe
  initial_delay_seconds int32
  timeout_seconds int32
  period_seconds int32
  success_threshold int32
  failure_threshold int32
  http_get HTTPHealthCheckConfig
  tcp_socket TCPHealthCheckConfig
  exec ExecHealthCheckConfig
  grpc GrpcHealthCheckConfig

message HTTPHealthCheckConfig
  path string
  port uint32
  host string
  scheme string
  http_headers repeated NameValue

message TCPHealthCheckConfig
  host string
  port uint32

message ExecHealthCheckConfig
  command repeated string

message GrpcHealthCheckConfig
  port uint32
  service string
"""

SCALARS = frozenset(
    {"bool", "string", "bytes", "int32", "int64", "uint32", "uint64", "float", "double"}
)
WRAPPERS = {
    "BoolValue": "bool",
    "StringValue": "string",
    "Int32Value": "int32",
    "UInt32Value": "uint32",
    "Int64Value": "int64",
    "UInt64Value": "uint64",
    "FloatValue": "float",
    "DoubleValue": "double",
}
WELL_KNOWN = frozenset({"Duration", "Struct", *WRAPPERS})


class Field(NamedTuple):
    """One field: its proto name, its JSON name, its cardinality and the type it holds."""

    name: str
    json_name: str
    cardinality: str  # "single", "repeated" or "map" (map<string, type>)
    type: str  # a scalar, a well-known type, an enum's full name or a message's name


class Tree(NamedTuple):
    """Messages by name (their fields in declaration order) and enums by full name."""

    messages: dict[str, tuple[Field, ...]]
    enums: dict[str, dict[str, int]]


def json_name(name: str) -> str:
    """protoc's JSON name of a field: each `_` dropped and the character after it upper-cased
    (protoc `ToJsonName`; `mesh_mTLS` gives `meshMTLS`)."""
    out: list[str] = []
    upper = False
    for char in name:
        if char == "_":
            upper = True
        else:
            out.append(char.upper() if upper else char)
            upper = False
    return "".join(out)


@functools.cache
def message_tree() -> Tree:
    """The parsed tree; every type a field names is declared (checked here, once)."""
    messages: dict[str, list[Field]] = {}
    enums: dict[str, dict[str, int]] = {}
    current: list[Field] | None = None
    for line in _TREE.replace("\\\n", "").splitlines():
        words = line.split()
        if not words:
            continue
        if words[0] == "enum":
            values = (word.split("=") for word in words[2:])
            enums[words[1]] = {name: int(number) for name, number in values}
        elif words[0] == "message":
            current = messages.setdefault(words[1], [])
        else:
            assert current is not None, line
            cardinality = words[1] if len(words) == 3 else "single"
            current.append(Field(words[0], json_name(words[0]), cardinality, words[-1]))
    for fields in messages.values():
        for field in fields:
            known = field.type in SCALARS or field.type in WELL_KNOWN
            assert known or field.type in enums or field.type in messages, field
    return Tree({name: tuple(fields) for name, fields in messages.items()}, enums)
