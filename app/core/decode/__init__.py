"""Image bytes -> decoded barcode symbols: the one package that touches Pillow, pyzbar and zxing-cpp.

pipeline.py runs the passes; images.py turns bytes into an upright grey picture; readers.py
wraps zbar and zxing-cpp behind one shape.
"""

from app.core.decode.images import FORMATS, DecodeLimits
from app.core.decode.pipeline import DecodeResult, Symbol, decode_image
from app.core.decode.readers import versions as engines

__all__ = ["FORMATS", "DecodeLimits", "DecodeResult", "Symbol", "decode_image", "engines"]
