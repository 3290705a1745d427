"""VoxLoop: self-hosted, closed-loop Voice-of-Customer platform."""

__version__ = "0.1.0"
