"""The registry of served kinds: names, versions, scope and the name of each kind's schema."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ResourceKind:
    """One served resource: every version in `versions` reads and writes the same objects.

    `schema` names the kind's root schema in the schema catalogue (see `schemas`); `builtin`
    is true for kinds compiled into kubectl (core, apps, ...), which accept strategic merge
    patch, and false for custom resources, which answer 415 to it. `needs_crd`: the kind is
    served only while its CustomResourceDefinition (`crd_name`) exists, as on a real cluster
    (the Gateway API kinds, which neither Kubernetes nor `istioctl install` installs).
    """

    group: str
    versions: tuple[str, ...]
    kind: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    builtin: bool = True
    schema: str = ""
    verbs: tuple[str, ...] = (
        "create",
        "delete",
        "deletecollection",
        "get",
        "list",
        "patch",
        "update",
        "watch",
    )
    needs_crd: bool = False

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def preferred_version(self) -> str:
        return self.versions[0]

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    def api_version(self, version: str | None = None) -> str:
        v = version or self.preferred_version
        return f"{self.group}/{v}" if self.group else v

    @property
    def label(self) -> str:
        """How API messages name the resource: `pods`, `virtualservices.networking.istio.io`."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def key(self) -> tuple[str, str]:
        return (self.group, self.plural)

    @property
    def crd_name(self) -> str:
        """The name of the CustomResourceDefinition that defines this kind."""
        return f"{self.plural}.{self.group}"


def split_api_version(api_version: str) -> tuple[str, str]:
    """`apps/v1` -> (`apps`, `v1`); `v1` -> (``, `v1`)."""
    if "/" in api_version:
        group, _, version = api_version.partition("/")
        return group, version
    return "", api_version


def _always(name: str) -> bool:
    return True


@dataclass
class KindRegistry:
    """Lookup of served kinds by (group, plural), by (group, kind) and by apiVersion + kind.

    Kinds that need a CRD are known to `by_plural`/`by_kind` (the store keeps their objects
    whatever happens) but are *served* (iteration, `served`, `for_object`, `group_versions`:
    what the API and discovery use) only while `crd_exists(kind.crd_name)` holds. A cluster
    sets `crd_exists` to look in its store; a bare registry serves everything.
    """

    _by_plural: dict[tuple[str, str], ResourceKind] = field(default_factory=dict)
    _by_kind: dict[tuple[str, str], ResourceKind] = field(default_factory=dict)
    crd_exists: Callable[[str], bool] = _always
    # group_versions() by which CRD-gated kinds are served (the API asks on every request)
    _versions_cache: dict[tuple[bool, ...], dict[str, list[str]]] = field(default_factory=dict)
    # the CRD names that gate kinds, in the order of `_by_plural` (the key of that cache)
    _gates: tuple[str, ...] = ()

    @classmethod
    def of(cls, kinds: Iterable[ResourceKind]) -> KindRegistry:
        reg = cls()
        for k in kinds:
            reg.add(k)
        return reg

    def add(self, kind: ResourceKind) -> None:
        self._by_plural[(kind.group, kind.plural)] = kind
        self._by_kind[(kind.group, kind.kind)] = kind
        self._versions_cache.clear()
        self._gates = tuple(k.crd_name for k in self._by_plural.values() if k.needs_crd)

    def __iter__(self) -> Iterator[ResourceKind]:
        """The kinds served now."""
        return (k for k in self._by_plural.values() if self.is_served(k))

    def all_kinds(self) -> Iterator[ResourceKind]:
        """Every known kind, served now or not."""
        return iter(self._by_plural.values())

    def is_served(self, kind: ResourceKind) -> bool:
        return not kind.needs_crd or self.crd_exists(kind.crd_name)

    def by_plural(self, group: str, plural: str) -> ResourceKind | None:
        return self._by_plural.get((group, plural))

    def by_kind(self, group: str, kind: str) -> ResourceKind | None:
        return self._by_kind.get((group, kind))

    def for_object(self, api_version: str, kind: str) -> ResourceKind | None:
        """The served kind for an object's apiVersion/kind; None if that version is not served."""
        group, version = split_api_version(api_version)
        rk = self._by_kind.get((group, kind))
        if rk is None or version not in rk.versions or not self.is_served(rk):
            return None
        return rk

    def served(self, group: str, version: str, plural: str) -> ResourceKind | None:
        rk = self._by_plural.get((group, plural))
        if rk is None or version not in rk.versions or not self.is_served(rk):
            return None
        return rk

    def group_versions(self) -> dict[str, list[str]]:
        """Each served group (`""` for core) with its versions, preferred first (in the order
        the kinds were added). Read-only: the answer is shared between calls."""
        gated = tuple(self.crd_exists(name) for name in self._gates)
        found = self._versions_cache.get(gated)
        if found is None:
            found = {}
            for rk in self:
                versions = found.setdefault(rk.group, [])
                for v in rk.versions:
                    if v not in versions:
                        versions.append(v)
            self._versions_cache[gated] = found
        return found
