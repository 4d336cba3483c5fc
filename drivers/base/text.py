"""Text encodings of devices that send one byte per character (a card terminal's receipt lines).

Here, not in a driver, because the configuration checks a device's code page when the file loads,
and the core may know ``drivers.base`` but no concrete driver.
"""

from __future__ import annotations

import codecs


def check_text_encoding(name: str) -> str:
    """``name`` if it is an ASCII-compatible one-byte text codec (cp437, cp865, latin-1, …),
    else ValueError: ZVT text is one byte per character, so UTF-8 or UTF-16 would garble it."""
    printable = bytes(range(0x20, 0x7F))
    try:
        ascii_ok = printable.decode(name) == printable.decode("ascii")
    except LookupError as exc:
        raise ValueError(f"'{name}' is not a text encoding Python knows") from exc
    except UnicodeDecodeError:
        ascii_ok = False
    if not ascii_ok:
        raise ValueError(f"'{name}' is not ASCII-compatible")
    for byte in range(0x80, 0x100):
        try:  # a multi-byte codec waits for more bytes: it hands back nothing for a lead byte
            out = codecs.getincrementaldecoder(name)().decode(bytes([byte]), final=False)
        except UnicodeDecodeError:
            continue  # a byte the code page leaves undefined
        if len(out) != 1:
            raise ValueError(f"'{name}' is not a one-byte encoding")
    return name
