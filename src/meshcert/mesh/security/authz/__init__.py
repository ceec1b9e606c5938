"""AuthorizationPolicy in the lab: what a proxy's RBAC and ext_authz filters decide.

- `policies`: the stored objects parsed into rules of clauses, and which policies apply to a
  workload (selector, namespace, root namespace, targetRefs).
- `matching`: the attributes of a request or connection and how one clause, rule and policy
  match them (Istio's generators: pilot/pkg/security/authz/model).
- `extauthz`: CUSTOM policies and the mesh config's ext-authz providers.

The entry points the inbound proxy calls are in `meshcert.mesh.security.authorization`.
Pure: no I/O; parsed policies are memoized per `MeshView`.
"""
