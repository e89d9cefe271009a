"""Console page: prompts (to be built)."""

from __future__ import annotations
