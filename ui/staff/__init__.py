"""Staff mode's screens: the staff login, the menu (what the user's roles permit), bons, receipts
and the Z-report. The core decides (``kiosk.payment.staff_door`` who is in, ``kiosk.staff``
what they may do and do); these screens only show it and run the desk's calls off the GUI
thread."""
