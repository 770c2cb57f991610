"""Delegates: Python classes that decide, per request, who may see what, where an image lives and
what info.json says, with the method names of Cantaloupe's ``delegates.rb``.

- ``hookspecs``: every method (hook), documented, and the ``Delegate`` base class.
- ``context``: what a delegate knows about the request (``self.context``).
- ``answers``: what the answers mean, checked strictly (anything unexpected is a 500).
- ``manager``: which hooks are implemented (recorded at start-up) and the calls of one request.
- ``sources``: the source and lookup of a request's image (``source.delegate``,
  ``ScriptLookupStrategy``).
- ``loading``: the delegate script and installed packages (entry-point group ``casaba.delegates``).
- ``builtin``: Casaba's configuration-driven answers, registered as plugins.

See docs/plugins.md for how to write, install and test a delegate.
"""

from casaba.delegates.hookspecs import Delegate, hookimpl

__all__ = ["Delegate", "hookimpl"]
