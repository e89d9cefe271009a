"""Recognise licensed recruitment agencies from the names and numbers people text."""
