"""The user's own traceback of a failed user function, without flowlab's frames."""
from __future__ import annotations

import traceback


def format_user_traceback(exc: BaseException) -> str:
    """The exception with its traceback, without flowlab's own frames: what the user wrote failed where."""
    frames = traceback.extract_tb(exc.__traceback__)
    user = [f for f in frames if "/flowlab/" not in f.filename.replace("\\", "/")]
    if not user:        # flowlab's own check failed: its message says it all, its frames would only distract
        return "".join(traceback.format_exception_only(type(exc), exc))
    lines = ["Traceback (most recent call last):\n"]
    lines += traceback.format_list(user)
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines)
