"""How a whole-job run ends badly: the job failed, or it never ends."""


class JobExecutionException(RuntimeError):
    """The job failed; the message carries the cause, including the user's own traceback."""


class JobNotBoundedError(RuntimeError):
    """``execute()`` on a job that never ends (an unbounded source, or a job waiting for nothing)."""
