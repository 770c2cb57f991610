"""Logging as Cantaloupe's ``log.*`` keys say: the application and error logs set on Python's
``logging`` (``application``), the access log written by the request path (``access``), the
files, rolling files, console and syslog they write to (``sinks``, ``rolling``)."""
