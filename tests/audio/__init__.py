"""Tests for the audio package: the recording pipeline and the prompt library."""
