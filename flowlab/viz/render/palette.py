"""Colours, shared by every view: execution states as in Flink's Web UI, on a calm neutral base."""
from __future__ import annotations

# Subtask execution states (Flink's ExecutionState), in lifecycle order: light shades while a subtask is
# being brought up, green while it runs, grey when finished, red when failed.
STATE_ORDER = ("CREATED", "SCHEDULED", "DEPLOYING", "INITIALIZING", "RUNNING", "FINISHED", "CANCELED",
               "FAILED")
STATE_FILL = {
    "CREATED": "#eef1f5",
    "SCHEDULED": "#e4def7",
    "DEPLOYING": "#d3e8f8",
    "INITIALIZING": "#d2efe2",
    "RUNNING": "#2f9e6e",
    "FINISHED": "#aab4c1",
    "CANCELING": "#f6d3a8",
    "CANCELED": "#e9a25f",
    "FAILED": "#d64545",
    "RECONCILING": "#f0dbe8",
}
STATE_TEXT = {"RUNNING": "#ffffff", "FAILED": "#ffffff"}
UNKNOWN_FILL = "#eef1f5"

# Job status (Flink's JobStatus) for the status line.
JOB_FILL = {
    "CREATED": "#eef1f5",
    "RUNNING": "#2f9e6e",
    "FINISHED": "#aab4c1",
    "FAILING": "#f2b0b0",
    "FAILED": "#d64545",
    "CANCELLING": "#f6d3a8",
    "CANCELED": "#e9a25f",
    "RESTARTING": "#f2c14b",
    "SUSPENDED": "#e4def7",
    "RECONCILING": "#f0dbe8",
    "INITIALIZING": "#d2efe2",
}

# Neutral base.
BACKGROUND = "#ffffff"
INK = "#1f2933"          # primary text
INK_SOFT = "#5b6675"     # secondary text
INK_FAINT = "#8a94a3"    # captions, table headers
BOX_FILL = "#ffffff"
BOX_STROKE = "#c5cfdb"
BOX_HEADER = "#f2f5f9"
FRAME_FILL = "#f6f8fb"
FRAME_STROKE = "#d5dce6"

# Operator kinds get a thin accent stripe so sources and sinks stand out.
KIND_ACCENT = {"source": "#4a86c5", "sink": "#8a6cc0"}
DEFAULT_ACCENT = "#b3bdca"

# Edges: grey when idle, orange while data is in flight on them.
EDGE = "#97a3b3"
EDGE_ACTIVE = "#e07a2f"
BADGE_FILL = "#fff1e3"
BADGE_TEXT = "#a9501a"
LABEL_FILL = "#ffffff"

# Subtask markers.
BUSY = "#1f2933"
BACKPRESSURE = "#c2410c"
BACKPRESSURE_ROW = "#fde9e1"


def state_fill(state: str | None) -> str:
    """Fill colour of a subtask cell in ``state``."""
    return STATE_FILL.get(state or "", UNKNOWN_FILL)


def state_text(state: str | None) -> str:
    """Text colour that reads on ``state_fill(state)``."""
    return STATE_TEXT.get(state or "", INK)


def job_fill(status: str | None) -> str:
    """Background of the job-status pill."""
    return JOB_FILL.get(status or "", UNKNOWN_FILL)


def kind_accent(kind: str | None) -> str:
    """Accent stripe colour for an operator kind (sources and sinks are highlighted)."""
    return KIND_ACCENT.get(kind or "", DEFAULT_ACCENT)
