"""The payment flow: citizen session, selection rules, tenders, settlement, recovery (no Qt)."""
