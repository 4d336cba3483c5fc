"""Everything FBS-specific, behind one port (:class:`kiosk.fbs.port.FbsPort`)."""
