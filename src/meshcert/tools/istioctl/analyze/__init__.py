"""`istioctl analyze`: Istio's configuration analysis over the lab, manifest files or (through a
reader) any cluster.

Layout, in the style of istio/istio pkg/config/analysis: `messages.py` is the message catalogue
(codes, levels, names, templates as msg/messages.yaml), `resources.py` the objects analyzed and
where they come from (the lab's store, files with line numbers), `context.py` what an analyzer
sees and reports to, `analyzers/` one analyzer per module registered in `analyzers.ALL`,
`running.py` runs them and filters the messages (namespace, suppressions), `output.py` prints
them as istioctl does (log, json, yaml) and `command.py` is the `istioctl analyze` command.
Pure functions over objects; the only I/O is the command's reading of the files it is given.
Imports kube and mesh only.
"""

from __future__ import annotations

from .analyzers import ALL
from .command import add_analyze_command
from .running import analyze

__all__ = ["ALL", "add_analyze_command", "analyze"]
