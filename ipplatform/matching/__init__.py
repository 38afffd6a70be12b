"""Matching: rank offers for every demand (and demands for every offer), explain, learn from feedback."""
