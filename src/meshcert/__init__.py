"""meshcert: learn, practise and prove Istio skills on a simulated Kubernetes + Istio cluster."""

__version__ = "0.1.0"
