"""``python -m casaba`` is the ``casaba`` command."""

from casaba.cli import main

main()
