"""The folder the worker processes of one server share: purges announced, tasks' records, the
counts every worker keeps (``metrics``) and their last errors. ``casaba serve`` makes it, names it
in ``CASABA_WORKERS_FOLDER`` for its workers, and removes it when it stops."""

from __future__ import annotations

import os
import tempfile
from functools import cache
from pathlib import Path

#: Names the folder the workers of one server share (set by ``casaba serve``).
FOLDER_ENV = "CASABA_WORKERS_FOLDER"


@cache
def workers_folder() -> Path:
    """The folder this server's workers share; a private one for a process started otherwise
    (then what is shared reaches its own memory only)."""
    named = os.environ.get(FOLDER_ENV)
    return Path(named) if named else Path(tempfile.mkdtemp(prefix="casaba-worker-"))
