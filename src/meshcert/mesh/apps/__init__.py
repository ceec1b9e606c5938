"""Workload behaviour by container image: what the sample applications (bookinfo, httpbin,
helloworld, tcp-echo, fortio, curl/sleep) answer, and a plain echo server for any other image.

Apps are functions of a request and the serving pod; they may call other services through the
`Call.fetch` the request simulation hands them (which recurses through the caller's sidecar).
Pure: no I/O; access lines go to the container log through the cluster's log book.
"""
