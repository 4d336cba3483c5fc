"""The start page: the functions this user may use."""

from __future__ import annotations

from flask import Blueprint, render_template

from console.access import page
from console.i18n import N_
from console.menu import MenuItem

bp = Blueprint("home", __name__)
MENU = [MenuItem("home.index", N_("Start"), None)]


@page(bp, "/", None)
def index() -> str:
    return render_template("home.html")
