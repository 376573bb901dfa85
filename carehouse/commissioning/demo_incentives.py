"""A demonstration incentive scheme, modelled on the PCN Investment and Impact Fund's PC-01.

PC-01 paid on the share of registered patients referred to a social prescribing service, with a
lower threshold of 1.2% and an upper threshold of 1.6%. The demo adds a plan coverage measure
so the scheme also rewards agreeing plans with the people case finding found.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from carehouse.commissioning.models import IncentiveIndicator, IncentiveScheme
from carehouse.core.models import Organisation

NAME = "Social prescribing and care planning (demo, like IIF PC-01)"


def seed_incentive_scheme(icb: Organisation) -> IncentiveScheme:
    """Create the demo scheme for ``icb`` for the current financial year (once; returns it if it exists)."""
    found = IncentiveScheme.objects.filter(organisation=icb, name=NAME).first()
    if found is not None:
        return found
    today = timezone.localdate()
    start_year = today.year if today.month >= 4 else today.year - 1
    with transaction.atomic():
        scheme = IncentiveScheme.objects.create(
            organisation=icb,
            name=NAME,
            paid_to="practice",
            period_start=datetime.date(start_year, 4, 1),
            period_end=datetime.date(start_year + 1, 3, 31),
            value_gbp=Decimal("5000.00"),
        )
        IncentiveIndicator.objects.create(
            scheme=scheme,
            measure_key="social_prescribing_referrals",
            lower=Decimal("0.012"),
            upper=Decimal("0.016"),
            weight=Decimal("0.6"),
            position=0,
        )
        IncentiveIndicator.objects.create(
            scheme=scheme,
            measure_key="plan_coverage",
            lower=Decimal("0.4"),
            upper=Decimal("0.7"),
            weight=Decimal("0.4"),
            position=1,
        )
    return scheme
