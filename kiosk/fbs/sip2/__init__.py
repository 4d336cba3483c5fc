"""SIP2 for FBS: codec, transports (raw TCP, HTTPS envelope) and the ``Sip2FbsPort`` adapter."""
