"""Text that is safe to print on a terminal.

Error messages repeat what they were given (an argument, a file name, a value read from a file), and any
of those can hold an escape sequence that clears the screen, rewrites the title bar, moves the cursor over
earlier lines or, with a bidirectional override, shows text in another order than it is. ``printable``
escapes all of them the way Python's ``ascii`` would, leaving newline and tab (messages are multi-line,
TSV is tab-separated) and every other character as they are. Bytes that were not UTF-8 reach Python as
lone surrogates (``surrogateescape``); they are escaped too, so a message can always be encoded, whatever
the encoding of the stream.
"""
from __future__ import annotations

import re

_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` with control characters (but newline and tab), bidirectional controls, line and paragraph
    separators and lone surrogates written as ``\\x1b``, ``\\u202e``, ``\\udcff``."""
    return _UNSAFE.sub(lambda match: ascii(match.group())[1:-1], str(text))


def one_line(value: object, limit: int = 128) -> str:
    """A value for one line of a report or a terminal (a tag value, a name read from an account): every
    character that is not printable, newline and tab included, escaped as ``\\xNN``/``\\uNNNN``, and at
    most ``limit`` characters. For values anyone who can write them may have chosen."""
    text = "".join(c if c.isprintable() else (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")
                   for c in str(value))
    return text if len(text) <= limit else text[:limit - 3] + "..."
