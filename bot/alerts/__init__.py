"""Alerts on AI bills, rules and lawsuits: sources, matching, storage, delivery."""
