"""Matchmaking events (供需对接活动): setup, registration, pre-matching and booking, the 1:1 schedule optimiser,
running the event (check-in, outcomes) and the report."""
