"""The `meshcert` command: a thin face over the parts (it holds no domain rules).

Imports heavy modules inside the commands, so `meshcert lab up --detach` starts fast. Errors
become an exit code and a one-line message, never a traceback.
"""
