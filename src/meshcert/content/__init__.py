"""Content: schemas and loaders for the bundled tasks and blueprints (data under `content/` at
the repository root), parameter drawing and rendering, the in-process runner of reference
solutions and the content self-test.

May import `meshcert.grading` (checks) and, for the self-test's labs, `meshcert.lab`; never
exam, web or db. Reads files; otherwise pure. See docs/grading.md.
"""
