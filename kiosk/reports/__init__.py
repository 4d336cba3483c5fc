"""Z-reports: one automat's Danish day as staff reconcile it (``kiosk report``), and the same
figures over a period, per automat or for the fleet, as CSV and PDF for the finance office
(``kiosk report --csv FILE --pdf FILE [--from --to] [--fleet]``).

Read-only over the ledger. What came in by method and, for cash, by device and denomination;
what was settled into FBS claims, debtor claims and cash rounding; what was credited as bons;
how the FBS registrations went, with FBS's confirmation ids and the follow-up list of refusals
staff must handle by hand; the debtor items and the file each went into; the bons issued,
redeemed, voided, outstanding and expired; cash-box emptyings; and whether every session
balances.
"""

from kiosk.reports.compute import fleet_automats, fleet_report, period_report, z_report
from kiosk.reports.figures import FLEET, Count, FleetReport, FollowUp, Recovered, ZReport
from kiosk.reports.period import Period, PeriodError, day_bounds
from kiosk.reports.text import report_lines, verdict

__all__ = [
    "FLEET",
    "Count",
    "FleetReport",
    "FollowUp",
    "Period",
    "PeriodError",
    "Recovered",
    "ZReport",
    "day_bounds",
    "fleet_automats",
    "fleet_report",
    "period_report",
    "report_lines",
    "verdict",
    "z_report",
]
