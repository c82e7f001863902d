"""Test helpers: the fake Bot API, its spec, a console process, HTML checks."""
