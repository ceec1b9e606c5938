"""Istio's security on the request path: what a workload's inbound proxy enforces.

- `peers`: who is on the other end of a connection (address, client workload, mTLS).
- `mtls`: PeerAuthentication modes, the client's TLS choice (auto mTLS, DestinationRule TLS),
  the client certificate header.
- `requestauthn`: RequestAuthentication (JWT verification, request principals), on
  `jwt_tokens` (JWS parsing, signatures, time and audience checks), `jwks` (key sets) and
  `jwt_status` (Envoy's failure texts).
- `authorization`: AuthorizationPolicy (CUSTOM, DENY, ALLOW, AUDIT) for HTTP and TCP.
- `enforcement`: the order an inbound proxy applies them in, called by the simulation.

Every function here is pure: configuration comes from a `MeshView`, nothing is written.
"""
