"""Clinical codes as we match them: upper case, no dots, spaces or markers.

``E11.2``, ``e112`` and `` E112`` are one code. ICD-10 three-character codes padded with a
filler (``I10X``, ``I10-``) lose the filler, and dagger and asterisk markers go. SNOMED CT
identifiers are digits and are matched whole; ICD-10 codes are matched by prefix (``I25``
matches ``I252``), as in Quan 2005.
"""

from __future__ import annotations

import re

_NOT_CODE = re.compile(r"[^A-Z0-9]")


def normalise_code(code: str, code_system: str) -> str:
    cleaned = _NOT_CODE.sub("", code.strip().upper())
    if code_system == "icd10" and len(cleaned) == 4 and cleaned.endswith("X"):
        return cleaned[:3]
    return cleaned


def normalise_code_sql(code: str, code_system: str) -> str:
    """The same as ``normalise_code``, as a SQL expression over two column expressions."""
    cleaned = f"regexp_replace(upper({code}), '[^A-Z0-9]', '', 'g')"
    return (
        f"CASE WHEN {code_system} = 'icd10' AND length({cleaned}) = 4 AND {cleaned} LIKE '%X' "
        f"THEN left({cleaned}, 3) ELSE {cleaned} END"
    )
