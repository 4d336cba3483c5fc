"""SIP2 for FBS: codec, transports (raw TCP, HTTPS envelope) and the :class:`Sip2FbsPort` adapter."""
