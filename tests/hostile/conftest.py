"""The hostile tests' real servers: the HTTP tests' images and their server for requests that
need no settings of their own."""

from ..http.conftest import client, images, server  # noqa: F401 (fixtures shared with the HTTP tests)
