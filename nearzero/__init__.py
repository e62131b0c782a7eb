"""nearzero: an open platform for near-zero-carbon communities (近零碳社区)."""

__version__ = "0.1.0"
