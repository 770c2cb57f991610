"""The HTTP load harness: Casaba and iipsrv under wrk on the same images and URL lists."""
