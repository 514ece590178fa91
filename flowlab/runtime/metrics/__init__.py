"""Task metrics and backpressure monitoring, sampled on virtual time."""
