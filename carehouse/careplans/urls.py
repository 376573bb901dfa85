from __future__ import annotations

from django.urls import URLPattern, path

app_name = "careplans"

# --- Practitioner plan pages (plan, items, lifecycle, history, drafts) ---
urlpatterns: list[URLPattern] = []
# --- end practitioner plan pages ---

# --- Person view, progress, notes, preparation packs, caseload, budget, print ---
urlpatterns += []
# --- end person view etc. ---
