"""Debtor import files: layout profiles, the writer, exactly-once export and delivery."""
