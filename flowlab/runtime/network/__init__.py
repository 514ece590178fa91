"""The network stack: result partitions, input gates, buffers, credit-based flow control, partitioners,
buffer debloating. It talks to the tasks at its ends only through ``interfaces``."""
