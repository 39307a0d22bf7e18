#!/usr/bin/env python3
"""Writes the synthesized seed files of fuzz/corpus/<target>/ (the "seed-*" files).

Only the Python standard library: PNGs and BMPs are assembled by hand (zlib), JPEGs are encoded by the
system's libturbojpeg through ctypes (skipped, with a note, where it cannot be loaded), EXIF blocks are
built by hand. Files added later from fuzzing (crash reproducers, merged coverage inputs) have other
names and are left alone. Run from anywhere: python3 fuzz/make_corpus.py
"""
import ctypes
import ctypes.util
import os
import struct
import sys
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def pattern(w, h, c, depth=8):
    """Deterministic gradient samples, rows packed, big-endian for 16 bit."""
    out = bytearray()
    for y in range(h):
        for x in range(w):
            for k in range(c):
                v = (x * 37 + y * 91 + k * 53) % 256
                out += struct.pack(">H", v * 257) if depth == 16 else bytes([v])
    return bytes(out)


# ---- PNG ----------------------------------------------------------------------------------------

def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def png(w, h, color, depth=8, interlace=0, extra=b"", filt=0, pixels=None, palette=None):
    c = PNG_CHANNELS[color]
    bits = c * depth
    if pixels is None:
        if depth >= 8:
            pixels = pattern(w, h, c, depth)
        else:  # sub-byte grey/palette: one sample per byte here, packed below
            pixels = bytes(((x + y) % (1 << depth)) for y in range(h) for x in range(w))

    def sample_rows(xs, ys):
        rows = []
        for y in ys:
            if depth >= 8:
                bpp = bits // 8
                rows.append(b"".join(pixels[(y * w + x) * bpp:(y * w + x + 1) * bpp] for x in xs))
            else:
                acc, n, row = 0, 0, bytearray()
                for x in xs:
                    acc = (acc << depth) | pixels[y * w + x]
                    n += depth
                    if n == 8:
                        row.append(acc)
                        acc, n = 0, 0
                if n:
                    row.append(acc << (8 - n))
                rows.append(bytes(row))
        return rows

    raw = bytearray()
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    for x0, y0, dx, dy in passes:
        xs, ys = range(x0, w, dx), range(y0, h, dy)
        if not xs or not ys:
            continue
        prev = None
        for row in sample_rows(xs, ys):
            if filt == 1:  # Sub
                bpp = max(1, bits // 8)
                f = bytes((row[i] - (row[i - bpp] if i >= bpp else 0)) & 255 for i in range(len(row)))
                raw += b"\x01" + f
            elif filt == 2 and prev is not None:  # Up
                raw += b"\x02" + bytes((a - b) & 255 for a, b in zip(row, prev))
            else:
                raw += b"\x00" + row
            prev = row
    ihdr = struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, interlace)
    body = chunk(b"IHDR", ihdr)
    if palette is not None:
        body += chunk(b"PLTE", palette)
    body += extra + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def bmp24(w, h):
    row = (w * 3 + 3) & ~3
    pix = bytearray()
    for y in range(h):
        r = bytearray(pattern(w, 1, 3))
        r += b"\0" * (row - len(r))
        pix += r
    hdr = struct.pack("<2sIHHI", b"BM", 54 + len(pix), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(pix), 2835, 2835, 0, 0)
    return hdr + info + bytes(pix)


def bmp8(w, h):
    row = (w + 3) & ~3
    pal = b"".join(bytes([i, 255 - i, (i * 7) & 255, 0]) for i in range(256))
    pix = b"".join(bytes((x * 16 + y) & 255 for x in range(w)) + b"\0" * (row - w) for y in range(h))
    off = 54 + len(pal)
    hdr = struct.pack("<2sIHHI", b"BM", off + len(pix), 0, 0, off)
    info = struct.pack("<IiiHHIIiiII", 40, w, -h, 1, 8, 0, len(pix), 2835, 2835, 256, 0)  # top-down
    return hdr + info + pal + pix


# ---- EXIF (TIFF structure inside APP1) ----------------------------------------------------------

SHORT, LONG, RATIONAL, SRATIONAL, ASCII = 3, 4, 5, 10, 2


def tiff(ifd0, exif_ifd=None, big_endian=False):
    """A TIFF block: IFD0 entries [(tag, type, values)], optional Exif sub-IFD (tag 0x8769)."""
    e = ">" if big_endian else "<"
    sizes = {SHORT: 2, LONG: 4, RATIONAL: 8, SRATIONAL: 8, ASCII: 1}

    def pack_values(typ, vals):
        if typ == SHORT:
            return b"".join(struct.pack(e + "H", v) for v in vals)
        if typ == LONG:
            return b"".join(struct.pack(e + "I", v) for v in vals)
        if typ == RATIONAL:
            return b"".join(struct.pack(e + "II", a, b) for a, b in vals)
        if typ == SRATIONAL:
            return b"".join(struct.pack(e + "ii", a, b) for a, b in vals)
        return vals  # ASCII bytes

    def ifd(entries, offset, next_ifd=0):
        # entries laid out at `offset`; out-of-line data right after the IFD.
        n = len(entries)
        data_off = offset + 2 + 12 * n + 4
        head, data = struct.pack(e + "H", n), b""
        for tag, typ, vals in entries:
            payload = pack_values(typ, vals)
            count = len(vals) if typ != ASCII else len(payload)
            if len(payload) <= 4:
                head += struct.pack(e + "HHI", tag, typ, count) + payload.ljust(4, b"\0")
            else:
                head += struct.pack(e + "HHII", tag, typ, count, data_off + len(data))
                data += payload + (b"\0" if len(payload) % 2 else b"")
        return head + struct.pack(e + "I", next_ifd) + data

    start = 8
    ifd0 = list(ifd0)
    if exif_ifd is not None:
        # The pointer's value depends on IFD0's size: lay IFD0 out once to measure it.
        probe = ifd(ifd0 + [(0x8769, LONG, [0])], start)
        ifd0 = ifd0 + [(0x8769, LONG, [start + len(probe)])]
    block = ifd(sorted(ifd0), start)
    if exif_ifd is not None:
        block += ifd(exif_ifd, start + len(block))
    return (b"MM\0\x2a" if big_endian else b"II\x2a\0") + struct.pack(e + "I", start) + block


def app1(tiff_block):
    body = b"Exif\0\0" + tiff_block
    return b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body


def with_app1(jpeg, segment):
    assert jpeg[:2] == b"\xff\xd8"
    return jpeg[:2] + segment + jpeg[2:]


# ---- JPEG through libturbojpeg ------------------------------------------------------------------

def load_tj():
    for name in (ctypes.util.find_library("turbojpeg"), "libturbojpeg.so.0", "libturbojpeg.so"):
        if not name:
            continue
        try:
            tj = ctypes.CDLL(name)
        except OSError:
            continue
        tj.tjInitCompress.restype = ctypes.c_void_p
        tj.tjCompress2.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                                   ctypes.c_int, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_ulong),
                                   ctypes.c_int, ctypes.c_int, ctypes.c_int]
        tj.tjFree.argtypes = [ctypes.c_void_p]
        tj.tjDestroy.argtypes = [ctypes.c_void_p]
        return tj
    return None


TJPF_RGB, TJPF_GRAY, TJPF_CMYK = 0, 6, 11
TJSAMP_444, TJSAMP_422, TJSAMP_420, TJSAMP_GRAY, TJSAMP_440, TJSAMP_411 = 0, 1, 2, 3, 4, 5
TJFLAG_PROGRESSIVE = 16384


def jpeg(tj, w, h, fmt=TJPF_RGB, samp=TJSAMP_420, quality=75, flags=0):
    c = {TJPF_RGB: 3, TJPF_GRAY: 1, TJPF_CMYK: 4}[fmt]
    src = pattern(w, h, c)
    handle = tj.tjInitCompress()
    buf, size = ctypes.c_void_p(), ctypes.c_ulong(0)
    if tj.tjCompress2(handle, src, w, w * c, h, fmt, ctypes.byref(buf), ctypes.byref(size), samp, quality, flags):
        raise RuntimeError("tjCompress2 failed")
    out = ctypes.string_at(buf, size.value)
    tj.tjFree(buf)
    tj.tjDestroy(handle)
    return out


def main():
    # PNG / BMP (png target; content sniffing reaches BMP from any name).
    put("png", "rgb8.png", png(7, 5, 2))
    put("png", "rgba8.png", png(6, 4, 6, filt=1))
    put("png", "grey8.png", png(9, 3, 0, filt=2))
    put("png", "grey-alpha8.png", png(4, 4, 4))
    put("png", "grey16.png", png(5, 3, 0, depth=16))
    put("png", "rgb16.png", png(3, 3, 2, depth=16))
    put("png", "rgba16.png", png(2, 3, 6, depth=16))
    put("png", "grey1.png", png(13, 3, 0, depth=1))
    put("png", "grey4.png", png(5, 2, 0, depth=4))
    put("png", "palette8.png", png(4, 3, 3, palette=bytes(range(48)) + b"\0" * (768 - 48),
                                   extra=chunk(b"tRNS", b"\x80\xff")))
    put("png", "palette2-interlaced.png", png(11, 9, 3, depth=2, interlace=1, palette=bytes(range(12))))
    put("png", "rgb8-interlaced.png", png(10, 10, 2, interlace=1))
    put("png", "rgb8-1x1.png", png(1, 1, 2))
    full = png(8, 8, 2)
    put("png", "truncated.png", full[:len(full) - 20])
    put("png", "no-iend.png", full[:-12])
    put("png", "bad-crc.png", full[:29] + bytes([full[29] ^ 1]) + full[30:])  # IHDR's CRC (stb ignores CRCs)
    idat = full.index(b"IDAT") - 4
    put("png", "idat-longer-than-file.png", full[:idat] + struct.pack(">I", 0x7FFFFFF0) + full[idat + 4:])
    # Decompression bombs behind a tiny header: 4 MB of zeros for a 1x1 image, and the same stream cut.
    bomb = zlib.compress(bytes(4 << 20), 9)
    hdr = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    put("png", "zlib-bomb-1x1.png", hdr + chunk(b"IDAT", bomb) + chunk(b"IEND", b""))
    put("png", "zlib-bomb-cut-1x1.png", hdr + chunk(b"IDAT", bomb[:len(bomb) // 2]) + chunk(b"IEND", b""))
    # One row more image data than the 2x2 header needs.
    put("png", "extra-row-2x2.png", b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\0\x10\x20" * 3)) + chunk(b"IEND", b""))
    put("png", "huge-header.png", b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1 << 24, 1 << 24, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))
    put("png", "bmp24.bmp", bmp24(5, 3))
    put("png", "bmp8-topdown.bmp", bmp8(6, 4))
    put("png", "empty", b"")
    put("png", "radiance-magic", b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 1 +X 1\n\0\0\0\0")

    # Bare EXIF blocks and JPEG-less inputs (exif target).
    orient6 = tiff([(0x0112, SHORT, [6])], [(0x829A, RATIONAL, [(1, 250)])])
    put("exif", "bare-exif-orient6-le", b"Exif\0\0" + orient6)
    put("exif", "bare-exif-be-apex", b"Exif\0\0" + tiff([(0x0112, SHORT, [8])], [(0x9201, SRATIONAL, [(-3, 1)])],
                                                        big_endian=True))
    put("exif", "bare-exif-zero-den", b"Exif\0\0" + tiff([(0x0112, SHORT, [9])], [(0x829A, RATIONAL, [(1, 0)]),
                                                                                  (0x9201, SRATIONAL, [(7, 0)])]))
    put("exif", "bare-exif-wrong-types", b"Exif\0\0" + tiff([(0x0112, LONG, [3])], [(0x829A, SRATIONAL, [(1, 60)])]))
    put("exif", "bare-exif-loop", b"Exif\0\0II\x2a\0\x08\0\0\0\x01\0\x69\x87\x04\0\x01\0\0\0\x08\0\0\0\0\0\0\0")
    put("exif", "bare-exif-short", b"Exif\0\0II*\0")
    put("exif", "tiny", b"\xff\xd8\xff")

    tj = load_tj()
    if tj is None:
        print("libturbojpeg not found: JPEG seeds skipped", file=sys.stderr)
    else:
        base = jpeg(tj, 16, 16)
        put("jpeg", "rgb420.jpg", base)
        put("jpeg", "rgb444-17x9.jpg", jpeg(tj, 17, 9, samp=TJSAMP_444, quality=95))
        put("jpeg", "rgb422-13x7.jpg", jpeg(tj, 13, 7, samp=TJSAMP_422))
        put("jpeg", "rgb440-9x11.jpg", jpeg(tj, 9, 11, samp=TJSAMP_440))
        put("jpeg", "rgb411-33x8.jpg", jpeg(tj, 33, 8, samp=TJSAMP_411))
        put("jpeg", "grey-10x6.jpg", jpeg(tj, 10, 6, fmt=TJPF_GRAY, samp=TJSAMP_GRAY))
        put("jpeg", "progressive-24x16.jpg", jpeg(tj, 24, 16, flags=TJFLAG_PROGRESSIVE))
        put("jpeg", "grey-progressive-1x1.jpg", jpeg(tj, 1, 1, fmt=TJPF_GRAY, samp=TJSAMP_GRAY, flags=TJFLAG_PROGRESSIVE))
        put("jpeg", "cmyk-8x8.jpg", jpeg(tj, 8, 8, fmt=TJPF_CMYK, samp=TJSAMP_444))
        put("jpeg", "truncated.jpg", base[:len(base) * 2 // 3])
        put("jpeg", "header-only.jpg", base[:base.index(b"\xff\xda")])
        eoi = base.rindex(b"\xff\xd9")
        put("jpeg", "extraneous-bytes.jpg", base[:eoi] + b"\x00\x00" + base[eoi:])
        put("jpeg", "trailing-garbage.jpg", base + b"\x00garbage\xff")
        # Orientations (both byte orders), with exposure times, on a non-square image so swaps show.
        rect = jpeg(tj, 12, 5, samp=TJSAMP_444)
        for o, be in ((2, False), (3, True), (5, False), (6, False), (7, True), (8, True)):
            put("jpeg", "orient%d-%s.jpg" % (o, "be" if be else "le"),
                with_app1(rect, app1(tiff([(0x0112, SHORT, [o])], [(0x829A, RATIONAL, [(1, 3049)])], big_endian=be))))
        put("jpeg", "orient6-grey.jpg",
            with_app1(jpeg(tj, 7, 3, fmt=TJPF_GRAY, samp=TJSAMP_GRAY), app1(tiff([(0x0112, SHORT, [6])]))))
        # EXIF target: the same blocks inside JPEGs, plus odd ones.
        put("exif", "jpeg-orient6-time.jpg", with_app1(base, app1(orient6)))
        put("exif", "jpeg-apex-only.jpg", with_app1(base, app1(tiff([], [(0x9201, SRATIONAL, [(10, 1)])], big_endian=True))))
        put("exif", "jpeg-big-time.jpg", with_app1(base, app1(tiff([(0x0112, SHORT, [1])],
                                                                   [(0x829A, RATIONAL, [(0xFFFFFFFF, 1)])]))))
        put("exif", "jpeg-no-exif.jpg", base)
        put("exif", "jpeg-ascii-make.jpg", with_app1(base, app1(tiff([(0x010F, ASCII, b"Camera Maker\0"),
                                                                      (0x0112, SHORT, [3])]))))
        seg = app1(orient6)
        put("exif", "jpeg-app1-overlong.jpg", base[:2] + seg[:2] + b"\xff\xf0" + seg[4:] + base[2:])

    # exposures.txt
    E = "exposures"
    put(E, "basic.txt", "a.jpg 0.5\nb.jpg 1/250\nc.jpg 1e-3\n")
    put(E, "bom-crlf.txt", "\ufeffa.jpg 2\r\nb.jpg 25/10\r\n")
    put(E, "comments-tabs.txt", "# list\n\n  a.png\t32 # longest\n\tb.png  16\n#c.png 8\n")
    put(E, "huge-numbers.txt", "a.jpg 1e308\nb.jpg 1.7976931348623157e308/0.5\nc.jpg 1e-320\n")
    put(E, "overflow.txt", "a.jpg 1e309\n")
    put(E, "zero-den.txt", "a.jpg 1/0\n")
    put(E, "negative.txt", "a.jpg -1\n")
    put(E, "nan.txt", "a.jpg nan\nb.jpg inf\n")
    put(E, "duplicate.txt", "a.jpg 1\nb.jpg 2\na.jpg 3\n")
    put(E, "three-fields.txt", "a.jpg 1 extra\n")
    put(E, "missing-time.txt", "a.jpg\n")
    put(E, "empty.txt", "")
    put(E, "only-bom.txt", "\ufeff")
    put(E, "no-newline.txt", "x 0.1")
    put(E, "cr-only.txt", "a 1\rb 2\r")
    put(E, "slashes.txt", "a 1/2/3\nb /2\nc 1/\n")
    put(E, "utf8-names.txt", "caf\u00e9.jpg 1\n\u65e5\u672c.png 0.25\n")

    # Manifests, CSV
    C = "manifest_csv"
    put(C, "basic.csv", "id,image,time\nkitchen,kitchen/a.jpg,1/250\nkitchen,kitchen/b.jpg,1/60\ngarden,/data/g/1.jpg,\n")
    put(C, "two-columns.csv", "id,image\ns,a.jpg\ns,b.jpg\nt,c.jpg\n")
    put(C, "quoted.csv", 'id,image,time\n"a,b","x ""y"".jpg", 0.5 \n"a,b",z.jpg,"1/30"\n')
    put(C, "bom-crlf.csv", "\ufeffid,image,time\r\ns,a.jpg,1\r\n\r\ns,b.jpg,2\r\n")
    put(C, "split-stack.csv", "id,image,time\na,1.jpg,1\nb,2.jpg,1\na,3.jpg,1\n")
    put(C, "partial-times.csv", "id,image,time\na,1.jpg,1\na,2.jpg,\n")
    put(C, "duplicate-image.csv", "id,image\na,x/../1.jpg\na,1.jpg\n")
    put(C, "bad-header.csv", "image,id,time\n")
    put(C, "header-only.csv", "id,image,time\n")
    put(C, "empty.csv", "")
    put(C, "unterminated.csv", 'id,image\n"a,b.jpg\n')
    put(C, "huge-time.csv", "id,image,time\na,1.jpg,1e308\na,2.jpg,1e309\n")
    put(C, "field-count.csv", "id,image,time\na,1.jpg\n")
    put(C, "empty-fields.csv", "id,image,time\n,1.jpg,1\na,,1\n")
    put(C, "text-after-quote.csv", 'id,image\n"a"x,b\n')

    # Manifests, JSON Lines
    J = "manifest_jsonl"
    put(J, "basic.jsonl", '{"id": "kitchen", "images": ["kitchen/a.jpg", "kitchen/b.jpg"], "times": [0.004, "1/60"]}\n'
                          '{"id": "garden", "images": ["/data/garden/1.jpg", "/data/garden/2.jpg"]}\n')
    put(J, "escapes.jsonl", '{"id":"\\u00e9\\ud83d\\ude00\\n\\t\\"\\\\\\/","images":["a\\u0000b.jpg","c\\bd\\f.jpg"],"times":[]}\n')
    put(J, "bom-crlf-blank.jsonl", '\ufeff\r\n{"id":"a","images":["1.jpg"]}\r\n   \r\n{"times":[1e-3],"images":["2.jpg"],"id":"b"}\r\n')
    put(J, "numbers.jsonl", '{"id":"a","images":["1","2","3","4"],"times":[0.5e1,1E+2,-0,1e400]}\n')
    put(J, "leading-zero.jsonl", '{"id":"a","images":["1"],"times":[01]}\n')
    put(J, "duplicate-key.jsonl", '{"id":"a","id":"b","images":["1"]}\n')
    put(J, "unknown-key.jsonl", '{"id":"a","images":["1"],"extra":1}\n')
    put(J, "count-mismatch.jsonl", '{"id":"a","images":["1","2"],"times":[1]}\n')
    put(J, "surrogates.jsonl", '{"id":"\\ud800","images":["1"]}\n{"id":"\\udc00x","images":["1"]}\n')
    put(J, "empty-images.jsonl", '{"id":"a","images":[]}\n')
    put(J, "not-object.jsonl", '["id","a"]\n')
    put(J, "trailing.jsonl", '{"id":"a","images":["1"]} x\n')
    put(J, "duplicate-id.jsonl", '{"id":"a","images":["1"]}\n{"id":"a","images":["2"]}\n')
    put(J, "bad-times.jsonl", '{"id":"a","images":["1","2","3"],"times":["1/0","abc",0]}\n')
    put(J, "empty.jsonl", "")
    put(J, "control-char.jsonl", '{"id":"a\x01","images":["1"]}\n')

    # Response curves
    R = "response_csv"
    rows = ["%.7g, %.7g, %.7g" % (i / 255.0, i / 250.0 + 1e-6, (i + 1) / 256.0) for i in range(256)]
    put(R, "bgr-comma.csv", "\n".join(rows) + "\n")
    put(R, "semicolon-trailing-crlf.csv", "".join("%d; %d; %d; \r\n" % (i, i, i) for i in range(256)))
    put(R, "one-column.csv", "".join("%g\n" % (i * 1e-3) for i in range(256)))
    put(R, "four-columns.csv", "".join("%d,%d,%d,%d\n" % (i, i, i, 1) for i in range(256)))
    put(R, "two-columns-blank.csv", "\n\n" + "".join("%d\t%d\n\n" % (i, 2 * i) for i in range(256)))
    put(R, "ms-exponents.csv", "".join("9.9913286e-006; 2.4236835e-005;3.9994137e-007\n" for _ in range(256)))
    put(R, "65536-rows.csv", "0\n" * 65536)
    put(R, "255-rows.csv", "1,2,3\n" * 255)
    put(R, "ragged.csv", "1,2,3\n1,2\n")
    put(R, "five-columns.csv", "1 2 3 4 5\n")
    put(R, "negative.csv", "-1,0,0\n")
    put(R, "nan-inf.csv", "nan\ninf\n")
    put(R, "out-of-range.csv", "1e39\n1e-50\n")
    put(R, "not-a-number.csv", "1.0x,2\n")
    put(R, "empty.csv", "")


if __name__ == "__main__":
    main()
