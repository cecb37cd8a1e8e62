"""visitsim: simulate candidate orderings of visits and rank them with honest statistics."""

from __future__ import annotations

__version__ = "0.1.0"
