"""Directory test fixtures: the shipped taxonomies and postcode centroids are loaded by ``migrate``.

Places used in tests (shipped district and sector centroids): ``S60`` (Rotherham centre,
53.41629, -1.35288), ``S61`` (Kimberworth), ``S1`` (Sheffield centre), ``LS1`` (Leeds).
"""

from __future__ import annotations

import pytest

#: Rotherham town centre, near the S60 centroid.
ROTHERHAM = (53.4300, -1.3570)
#: About 3 km north-west of Rotherham centre (S61).
KIMBERWORTH = (53.4430, -1.3930)
#: Sheffield city centre (S1), about 9 km from Rotherham.
SHEFFIELD = (53.3811, -1.4701)
#: Leeds city centre, far away.
LEEDS = (53.7970, -1.5530)


@pytest.fixture(autouse=True)
def _clear_facet_cache() -> None:
    from carehouse.directory.services.taxonomy import facet_terms

    facet_terms.cache_clear()
