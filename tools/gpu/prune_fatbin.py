#!/usr/bin/env python3
"""Zero the GPU code in a CUDA shared library that a given architecture never loads, so the file compresses.

ONNX Runtime's CUDA provider (libonnxruntime_providers_cuda.so, 284 MB) embeds its kernels as cubins for several
architectures (sm_75 to sm_120) in the ELF section .nv_fatbin. On one GPU the CUDA runtime loads only the cubins built
for that GPU's architecture, so this writes a copy in which every other cubin's bytes are zeros. The headers stay as
they were, so the file keeps its size, layout and offsets; only what the device never reads is blanked, and xz then
packs the provider into about 52 MB instead of 186. The bundle must then run on that architecture only.

    prune_fatbin.py IN OUT [--keep-arch 90]
"""
import argparse
import struct
import sys

FATBIN_MAGIC = 0xBA55ED50
CUBIN_KIND = 2


def sections(data):
    """(name, offset, size) of each ELF64 section."""
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    headers = [struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize) for i in range(shnum)]
    names_at = headers[shstrndx][4]
    for name, _type, _flags, _addr, offset, size in headers:
        start = names_at + name
        yield bytes(data[start:data.index(b"\0", start)]).decode(), offset, size


def prune(data, keep_arch):
    """Blanks, in place, the cubins not for keep_arch; returns (bytes blanked, bytes kept)."""
    fatbin = [(offset, size) for name, offset, size in sections(data) if name == ".nv_fatbin"]
    if not fatbin:
        raise SystemExit("no .nv_fatbin section: not a CUDA library")
    position, end = fatbin[0][0], fatbin[0][0] + fatbin[0][1]
    blanked = kept = 0
    while position < end:
        magic, _version, header_size, body_size = struct.unpack_from("<IHHQ", data, position)
        if magic != FATBIN_MAGIC:
            position += 8  # the section pads fat binaries to 8 bytes
            continue
        entry, body_end = position + header_size, position + header_size + body_size
        while entry < body_end:
            (kind,) = struct.unpack_from("<H", data, entry)
            (entry_header,) = struct.unpack_from("<I", data, entry + 4)
            (payload,) = struct.unpack_from("<Q", data, entry + 8)
            (arch,) = struct.unpack_from("<I", data, entry + 28)
            start = entry + entry_header
            if kind == CUBIN_KIND and arch != keep_arch:
                data[start:start + payload] = bytes(payload)
                blanked += payload
            else:
                kept += payload
            entry = start + payload
        position = body_end
    return blanked, kept


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--keep-arch", type=int, default=90, help="SM version whose cubins stay (90: H100/H200)")
    args = parser.parse_args()
    data = bytearray(open(args.input, "rb").read())
    blanked, kept = prune(data, args.keep_arch)
    if kept == 0:
        raise SystemExit(f"no code for sm_{args.keep_arch} in {args.input}; nothing would run")
    with open(args.output, "wb") as out:
        out.write(data)
    print(f"{args.input}: blanked {blanked / 1e6:.1f} MB of cubins for other GPUs, kept {kept / 1e6:.1f} MB for sm_{args.keep_arch}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
