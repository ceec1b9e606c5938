"""`istioctl proxy-config` (alias `pc`): the Envoy configuration of a sidecar or gateway,
synthesized from what its revision last pushed (see `envoy.py`)."""

from .command import add_proxy_config_commands

__all__ = ["add_proxy_config_commands"]
