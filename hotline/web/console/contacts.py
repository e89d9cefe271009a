"""Console page: contacts (to be built)."""

from __future__ import annotations
