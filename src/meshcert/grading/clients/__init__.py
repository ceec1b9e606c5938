"""The two `KubeClient` implementations: `inprocess` (a lab's cluster object, the only grading
module that may import simulator internals) and `http` (any cluster through a kubeconfig)."""
