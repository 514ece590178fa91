"""Time travel: snapshots of the whole runtime, kept sparse, restored and replayed by the Simulation."""
from __future__ import annotations

from flowlab.runtime.job_runtime import JobRuntime


def thin(snaps: list[tuple[int, JobRuntime]], now: int) -> list[tuple[int, JobRuntime]]:
    """Keep step 0, the 16 newest snapshots, and one per power-of-two distance band further back.

    Going back a little stays cheap (dense recent snapshots); going back far costs a replay roughly
    proportional to the distance, never to the whole run.
    """
    keep = snaps[:1] + snaps[-16:]
    bands: dict[int, tuple[int, JobRuntime]] = {}
    for s, rt in snaps[1:-16]:
        band = (now - s).bit_length()
        if band not in bands or s > bands[band][0]:
            bands[band] = (s, rt)
    keep += bands.values()
    keep.sort(key=lambda sr: sr[0])
    return keep
