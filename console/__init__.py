"""The fleet console: server-rendered web pages on the fleet's ledger for the desk, the finance
office, technicians and administrators (``kiosk console``). Flask behind waitress; every rule it
applies lives in ``kiosk`` (accounts, roles, bons, reports, follow-up list, emptyings), this
package only shows and asks. See docs/architecture.md, *The fleet console*."""
