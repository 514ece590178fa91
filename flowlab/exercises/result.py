"""``CheckResult``: what an exercise checker found, readable as text and as HTML in Jupyter."""
from __future__ import annotations

import html
from dataclasses import dataclass, field


@dataclass
class CheckResult:
    """The verdict of one exercise check: ``passed``, ``messages`` (problems first, then hints/praise)."""

    exercise: str
    passed: bool = True
    messages: list[str] = field(default_factory=list)

    def fail(self, message: str) -> CheckResult:
        self.passed = False
        self.messages.append(message)
        return self

    def note(self, message: str) -> CheckResult:
        self.messages.append(message)
        return self

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        head = f"{self.exercise}: {'PASSED' if self.passed else 'not yet'}"
        return "\n".join([head, *(f"  - {m}" for m in self.messages)])

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colour, mark, verdict = (("#1b7f3b", "&#10004;", "Passed") if self.passed
                                 else ("#b3261e", "&#10008;", "Not yet"))
        items = "".join(f"<li>{html.escape(m)}</li>" for m in self.messages)
        return (f'<div class="flowlab-check" style="border-left:4px solid {colour};padding:4px 10px;">'
                f'<b style="color:{colour}">{mark} {verdict}</b> — {html.escape(self.exercise)}'
                f"<ul style='margin:4px 0'>{items}</ul></div>")
