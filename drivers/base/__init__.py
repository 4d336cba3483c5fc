"""Device interfaces and event types shared by every driver."""
