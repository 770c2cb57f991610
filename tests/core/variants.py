"""The TIFF variants the fixtures make with tiffcp, and the pyramids they make with vips, by
name with the options that make them."""

TILE = ["-t", "-w", "64", "-l", "64"]
STRIPS = ["-s", "-r", "16"]

# name: (base file, tiffcp options). Bases are written uncompressed by Pillow or synth.py.
TIFF_VARIANTS = {
    "rgb-none-strips": ("rgb8", ["-c", "none", *STRIPS]),
    "rgb-none-tiles": ("rgb8", ["-c", "none", *TILE]),
    "rgb-lzw-strips": ("rgb8", ["-c", "lzw", *STRIPS]),
    "rgb-lzw-tiles": ("rgb8", ["-c", "lzw", *TILE]),
    "rgb-lzw-predictor": ("rgb8", ["-c", "lzw:2", *STRIPS]),
    "rgb-deflate-strips": ("rgb8", ["-c", "zip", *STRIPS]),
    "rgb-deflate-predictor-tiles": ("rgb8", ["-c", "zip:2", *TILE]),
    "rgb-packbits-strips": ("rgb8", ["-c", "packbits", *STRIPS]),
    "rgb-packbits-tiles": ("rgb8", ["-c", "packbits", *TILE]),
    "rgb-planar-strips": ("rgb8", ["-c", "lzw:2", "-p", "separate", *STRIPS]),
    "rgb-planar-tiles": ("rgb8", ["-c", "zip", "-p", "separate", *TILE]),
    "rgb-bigendian": ("rgb8", ["-B", "-c", "none", *STRIPS]),
    "rgb-bigendian-lzw-predictor-tiles": ("rgb8", ["-B", "-c", "lzw:2", *TILE]),
    "rgb-bigtiff-deflate": ("rgb8", ["-8", "-c", "zip", *TILE]),
    "gray-packbits": ("gray8", ["-c", "packbits", *STRIPS]),
    "gray-lzw-predictor-tiles": ("gray8", ["-c", "lzw:2", *TILE]),
    "gray16-lzw-predictor": ("gray16", ["-c", "lzw:2", *STRIPS]),
    "gray16-deflate-predictor-bigendian": ("gray16", ["-B", "-c", "zip:2", *TILE]),
    "rgb16-deflate-predictor": ("rgb16", ["-c", "zip:2", *STRIPS]),
    "rgb16-lzw-predictor-bigendian": ("rgb16", ["-B", "-c", "lzw:2", *TILE]),
    "rgb16-planar-bigendian": ("rgb16-planar", ["-B", "-c", "zip:2", *STRIPS]),
    "bilevel-minisblack": ("bilevel-black", ["-c", "none", *STRIPS]),
    "bilevel-miniswhite-packbits": ("bilevel-white", ["-c", "packbits", *STRIPS]),
    "bilevel-miniswhite-tiles": ("bilevel-white", ["-c", "lzw", *TILE]),
    "gray4-lzw": ("gray4", ["-c", "lzw", *STRIPS]),
    "palette-lzw": ("palette8", ["-c", "lzw", *STRIPS]),
    "palette-tiles": ("palette8", ["-c", "zip", *TILE]),
    "palette4-bigendian": ("palette4", ["-B", "-c", "none", *STRIPS]),
    "rgba-lzw": ("rgba", ["-c", "lzw:2", *STRIPS]),
    "rgba-planar-tiles": ("rgba", ["-c", "zip", "-p", "separate", *TILE]),
    "gray-alpha-deflate": ("gray-alpha", ["-c", "zip", *STRIPS]),
    "rgb-jpeg-ycbcr-strips": ("rgb8", ["-c", "jpeg:90", *STRIPS]),
    "rgb-jpeg-rgb-tiles": ("rgb8", ["-c", "jpeg:r:90", *TILE]),
    "gray-jpeg-tiles": ("gray8", ["-c", "jpeg:90", *TILE]),
}

PYRAMID_VARIANTS = {
    "jpeg": ["--compression", "jpeg", "--Q", "90"],
    "jpeg-subifd": ["--compression", "jpeg", "--Q", "90", "--subifd"],
    "jpeg-bigtiff": ["--compression", "jpeg", "--Q", "90", "--bigtiff"],
    "lzw": ["--compression", "lzw"],
}
