#!/usr/bin/env python3
"""Checks that a Chromium screenshot of a lockstep HTML report shows a rendered page.

A blank or half-loaded page is a PNG of mostly white. A rendered report has text and,
above all, its SVG diagrams: the solid blue of request arrowheads (#2563eb) and the
red of the FAIL badge (#dc2626). Standard library only (zlib + struct), so CI needs
nothing but python3.

usage: check_screenshot.py SHOT.png
"""

import struct
import sys
import zlib

REQUEST_BLUE = (0x25, 0x63, 0xEB)
FAIL_RED = (0xDC, 0x26, 0x26)


def pixels(path):
    """Yields the (r, g, b) rows of an 8-bit, non-interlaced RGB or RGBA PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG")
    pos, idat = 8, b""
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
    if depth != 8 or interlace != 0 or color not in (2, 6):
        raise SystemExit(f"{path}: unexpected PNG layout (depth {depth}, color {color})")
    bpp = 4 if color == 6 else 3
    raw, stride = zlib.decompress(idat), width * bpp
    prev, p = bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[p], bytearray(raw[p + 1 : p + 1 + stride])
        p += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 255
            elif kind == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        yield width, [tuple(line[x : x + 3]) for x in range(0, stride, bpp)]


def main():
    path = sys.argv[1]
    total = not_white = blue = red = 0
    for _, row in pixels(path):
        for px in row:
            total += 1
            if px != (255, 255, 255):
                not_white += 1
            if px == REQUEST_BLUE:
                blue += 1
            elif px == FAIL_RED:
                red += 1
    share = not_white / max(total, 1)
    print(f"{path}: {total} pixels, {share:.1%} not white, {blue} request-blue, {red} fail-red")
    problems = []
    if share < 0.03:
        problems.append("the page is (nearly) blank")
    if blue < 50:
        problems.append("no sequence diagram arrows were drawn")
    if red < 50:
        problems.append("no FAIL badge or failure marks were drawn")
    if problems:
        raise SystemExit(f"{path}: " + "; ".join(problems))


if __name__ == "__main__":
    main()
