"""Shared pieces of the protocol-accurate device emulators (ptys, wire timing)."""
