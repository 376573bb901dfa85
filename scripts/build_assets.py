"""Copy the NHS.UK frontend's precompiled files from node_modules into our static folder.

The stylesheet points at ``/assets/...`` and at fonts on an NHS CDN. We serve everything
ourselves (the pages must work offline and under a strict Content Security Policy), so
the asset paths are made relative and the CDN font faces are dropped (browsers fall back
to Arial, as the NHS.UK frontend intends when Frutiger is unavailable).
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
TARGET = ROOT / "carehouse" / "static" / "vendor" / "nhsuk"

FONT_FACE = re.compile(r"@font-face\{[^}]*https://assets\.nhs\.uk[^}]*\}")


def build() -> None:
    if not SOURCE.exists():
        sys.exit(f"{SOURCE} is missing: run 'npm ci' first")
    if TARGET.exists():
        shutil.rmtree(TARGET)
    (TARGET).mkdir(parents=True)
    shutil.copytree(SOURCE / "assets", TARGET / "assets")
    css = (SOURCE / "nhsuk-frontend.min.css").read_text(encoding="utf-8")
    css = FONT_FACE.sub("", css).replace("url(/assets/", "url(assets/")
    css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css)
    (TARGET / "nhsuk-frontend.min.css").write_text(css, encoding="utf-8")
    js = (SOURCE / "nhsuk-frontend.min.js").read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S+", "", js)
    (TARGET / "nhsuk-frontend.min.js").write_text(js, encoding="utf-8")


if __name__ == "__main__":
    build()
