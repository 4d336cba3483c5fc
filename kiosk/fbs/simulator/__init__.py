"""An FBS simulator: one seeded data set (``state``) served over REST, SIP2 over TCP and FBS's
SIP2 HTTPS envelope. Used by demo mode and tests; it is not FBS, it models what is known of it
(``/work/shared/reference/fbs.md``) and documents each decision where FBS's behaviour is unknown.
"""
