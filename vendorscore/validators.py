"""Field validators shared by the apps' models, so forms, serializers and services all apply them.

Names end up in e-mail subjects, PDF headers and CSV cells. A carriage return or line feed
in a vendor's name made every e-mail about that vendor raise ``BadHeaderError``; other
control characters garble PDFs and spreadsheets. A name is one line of printable text.
"""

import unicodedata

from django.core.exceptions import ValidationError

# Cc: C0 and C1 controls (CR, LF, tab, NUL, DEL, ...); Zl, Zp: the Unicode line and paragraph separators.
REFUSED_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})


def validate_single_line(value: str) -> None:
    """Refuse line breaks and control characters, naming the first one found."""
    for position, character in enumerate(value or "", start=1):
        if unicodedata.category(character) in REFUSED_CATEGORIES:
            raise ValidationError(
                "Use one line of text without control characters (found U+%(code)04X at character %(position)d).",
                code="control_character",
                params={"code": ord(character), "position": position},
            )
