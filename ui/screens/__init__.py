"""The citizen's screens, one per session state (plus the bon entry and out-of-service pages)."""
