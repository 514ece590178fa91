"""The user's own traceback of a failed user function, without flowlab's frames."""
from __future__ import annotations

import os
import traceback

import flowlab

# flowlab's own package directory: frames from files under it are flowlab's, all others are the user's,
# also when the user's code sits in a folder that happens to be called "flowlab" (a clone of this project).
_PACKAGE_DIR = os.path.normcase(os.path.dirname(os.path.abspath(flowlab.__file__))) + os.sep


def is_flowlab_frame(filename: str) -> bool:
    """Whether ``filename`` is a module of the flowlab package itself."""
    return os.path.normcase(os.path.abspath(filename)).startswith(_PACKAGE_DIR)


def format_user_traceback(exc: BaseException) -> str:
    """The exception with its traceback, without flowlab's own frames: what the user wrote failed where."""
    frames = traceback.extract_tb(exc.__traceback__)
    user = [f for f in frames if not is_flowlab_frame(f.filename)]
    if not user:        # flowlab's own check failed: its message says it all, its frames would only distract
        return "".join(traceback.format_exception_only(type(exc), exc))
    lines = ["Traceback (most recent call last):\n"]
    lines += traceback.format_list(user)
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines)
