"""Callbacks: requests to be called back, and the agent-first calls that answer them."""

from hotline.callbacks.requests import URGENT, request_callback

__all__ = ["URGENT", "request_callback"]
