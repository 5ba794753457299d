#!/usr/bin/env bash
# Rebuilds cjk-subset.ttf.gz, the CJK font invoices fall back to for
# characters the Go fonts lack: Droid Sans Fallback (Apache License 2.0,
# Debian package fonts-droid-fallback) cut down to the characters of the
# national standard sets GB 2312 (simplified Chinese), JIS X 0208
# (Japanese), KS X 1001 (Korean, with its 2,350 Hangul syllables) and
# Big5 level 1 (the 5,401 frequent traditional characters): 14,308
# characters, 1.8 MB, 0.9 MB gzipped, instead of 3.4 MB for the whole font.
# Needs: apt-get install fonts-droid-fallback python3-fonttools
set -euo pipefail
cd "$(dirname "$0")"
src=/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 - "$tmp/unicodes.txt" <<'PY'
import sys
def charset(codec, leads, trails):
    out = set()
    for a in leads:
        for b in trails:
            try:
                c = bytes([a, b]).decode(codec)
            except UnicodeDecodeError:
                continue
            if len(c) == 1:
                out.add(ord(c))
    return out
euc = range(0xA1, 0xFF)
big5_trail = list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF))
chars = (charset("gb2312", euc, euc) | charset("euc_jp", euc, euc) | charset("euc_kr", euc, euc)
         | charset("big5", range(0xA4, 0xC7), big5_trail))
open(sys.argv[1], "w").write(",".join("U+%04X" % c for c in sorted(chars)))
PY
/usr/bin/python3 -m fontTools.subset "$src" --unicodes-file="$tmp/unicodes.txt" \
  --output-file="$tmp/cjk-subset.ttf" --no-hinting --drop-tables+=GSUB,GPOS,DSIG --name-IDs='*'
gzip -9 -n -c "$tmp/cjk-subset.ttf" > cjk-subset.ttf.gz
ls -l cjk-subset.ttf.gz
