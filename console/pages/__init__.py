"""The console's pages, one module each; :data:`MODULES` in the order of the header's menu."""

from __future__ import annotations

from types import ModuleType

from console.pages import accounts, auditlog, desk, emptyings, finance, fleet, followup, home

MODULES: list[ModuleType] = [home, desk, fleet, finance, followup, emptyings, accounts, auditlog]
