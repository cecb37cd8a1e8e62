"""Statistics over outcome records: ranking, selection, comparison, sensitivity."""
