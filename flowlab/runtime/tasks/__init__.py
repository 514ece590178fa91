"""Tasks: the mailbox loop of one subtask (``StreamTask``), its chained outputs and watermark valves."""
