"""The SMS side of the hotline: storing what arrives, tracking what goes out, composing replies."""
