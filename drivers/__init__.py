"""Hardware: protocol codecs, device classes and protocol-accurate emulators (no Qt, no kiosk)."""
