"""Bulk import and export: patent-database exports (61-column layout) and the platform's Excel templates for
patents, offers, demands and deals; strict row validation, dry run, all-or-nothing commits."""
