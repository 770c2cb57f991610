"""Sources: where images live. ``base`` holds the protocol; one module per kind of source."""
