"""RQ jobs: thin shells that open a session, call one domain function and commit."""
