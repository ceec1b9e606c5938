"""Helm's coalescing of a user's values into a chart's defaults (helm.sh/docs/chart_template_guide/
values_files, "Deleting a default key"; helm pkg/chart/common/util coalesce.go).

Every chart value the lab reads goes through here so that `--set a.b.c=x` changes `a.b.c` and
nothing else: maps merge key by key, a user's scalar or list replaces the default whole, and a
user's `null` deletes the default key. The same holds for a strategic merge patch on a struct
field such as a container's `resources`, which is how istioctl applies `components.*.k8s`
(istio/istio operator/pkg/render/postprocess.go), so that path uses this helper too.
"""

from __future__ import annotations

import copy
from typing import Any


def coalesce(defaults: Any, user: Any) -> Any:
    """`user` laid over `defaults`; neither argument is modified."""
    if not isinstance(user, dict) or not isinstance(defaults, dict):
        return copy.deepcopy(defaults if user is None else user)
    out = copy.deepcopy(defaults)
    for key, value in user.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = coalesce(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out
