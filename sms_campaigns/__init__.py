"""SMS campaigns: contacts, segments, campaigns and their sending."""
