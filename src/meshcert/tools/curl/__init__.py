"""`curl` in the lab: curl 8's command line, output formats, messages and exit codes over the
request simulation of `meshcert.mesh.simulation`. No real network I/O."""
