#!/bin/sh
# Rebuilds NotoSansSC-Regular-GB2312.otf from the Debian package fonts-noto-cjk (1:20220127, font 2.004).
# Needs: fonts-noto-cjk, python3-fonttools (pyftsubset). Run from anywhere; writes next to this script.
#
# Character set: every character of GB 2312 (6763 hanzi + 682 symbols), printable ASCII, Latin-1, general
# punctuation, CJK symbols and punctuation, full-width forms, and a few arrows and check marks the UI uses.
# Layout: vertical-writing and language-localised (locl: JP/KR/TC glyph variants) features are dropped; the
# Simplified Chinese glyphs are what the SC face maps by default, so nothing visible is lost.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
source_ttc=${NOTO_CJK_TTC:-/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc}
# Index of "Noto Sans CJK SC" inside the collection (0 JP, 1 KR, 2 SC, 3 TC, 4 HK).
sc_index=2
unicodes=$(mktemp)
trap 'rm -f "$unicodes"' EXIT

python3 - "$unicodes" <<'PY'
import sys
chars = set()
for row in range(0xA1, 0xF8):
    for col in range(0xA1, 0xFF):
        try:
            chars.add(bytes([row, col]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
ranges = [
    (0x20, 0x7F),      # printable ASCII
    (0xA0, 0x100),     # Latin-1 supplement (·, ×, °, ±, accented romanised names)
    (0x2010, 0x2028),  # dashes, quotes, bullets, ellipsis
    (0x2030, 0x203C),  # per mille, primes, single guillemets
    (0x3000, 0x3020),  # CJK symbols and punctuation (、。〈〉《》「」【】)
    (0xFF01, 0xFF5F),  # full-width forms (，：；！？（）)
]
for start, end in ranges:
    chars.update(chr(c) for c in range(start, end))
chars.update("→←↑↓✓✔✗✘€¥")
with open(sys.argv[1], "w") as out:
    out.write("\n".join("U+%04X" % ord(c) for c in sorted(chars)))
PY

pyftsubset "$source_ttc" \
    --font-number="$sc_index" \
    --unicodes-file="$unicodes" \
    --layout-features-=locl,vert,vrt2,vkna,vhal,vpal,valt,vkrn \
    --drop-tables+=VORG,vhea,vmtx,BASE \
    --name-IDs=0,1,2,3,4,5,6,7,13,14 \
    --notdef-outline \
    --output-file="$here/NotoSansSC-Regular-GB2312.otf"
ls -l "$here/NotoSansSC-Regular-GB2312.otf"
