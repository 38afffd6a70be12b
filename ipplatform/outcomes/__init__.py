"""Outcomes: deals (transfer, licences, pledge, equity …) and conversions (industrialisation)."""
