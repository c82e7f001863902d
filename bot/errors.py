"""The errors every front shows as one line: the ones a user can fix.

Kept apart from the command line so that the Telegram application and the status server can
raise them without importing the CLI (which imports them back).
"""

from __future__ import annotations

__all__ = ["UsageError"]


class UsageError(Exception):
    """A problem the user can fix; printed as one line, exit code 2."""
