"""Overlays on image responses, as Cantaloupe configures them: the one overlay of the
``overlays.BasicStrategy`` keys, or per request the delegate's ``overlay`` answer
(``ScriptStrategy``), made ready for the core to draw (``choice``), with the fonts (``fonts``) and
images (``images``) they name."""
