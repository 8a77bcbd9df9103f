"""Shared plumbing of the vision runtime's models: progress lines, image loading and the
structured result (`result.json`) the platform reads when a run succeeds.

Everything here runs inside the worker's sandbox: no network, a read-only runtime, and a
writable working directory (the current directory) that holds the outputs.
"""

import json
import warnings
import os
import sys

# matplotlib (imported by mediapipe.solutions) and fontconfig build font caches in $HOME on
# first use, and every run starts in a fresh working directory: read the ones the install
# script built into the runtime instead (about 0.2 s a run).
_RUNTIME = os.path.dirname(os.path.abspath(__file__))
os.environ.setdefault("XDG_CACHE_HOME", os.path.join(_RUNTIME, "cache"))


def _font_list_dir():
    """A directory holding the prebuilt matplotlib font list that matplotlib will use.

    matplotlib ignores a cache directory it may not write to and rebuilds the font list in a
    temporary one (0.09 s a run, and a warning in the job log): in the sandbox the runtime is
    read-only, so the list (about 100 KB) is copied into the run's own temporary directory.
    """
    prebuilt = os.path.join(_RUNTIME, "cache", "matplotlib")
    if os.access(prebuilt, os.W_OK) or not os.path.isdir(prebuilt):
        return prebuilt
    own = os.path.join(os.environ.get("TMPDIR") or "/tmp", "matplotlib")
    try:
        os.makedirs(own, exist_ok=True)
        for name in os.listdir(prebuilt):
            with open(os.path.join(prebuilt, name), "rb") as src:
                data = src.read()
            with open(os.path.join(own, name), "wb") as dst:
                dst.write(data)
    except OSError:
        return prebuilt
    return own


os.environ.setdefault("MPLCONFIGDIR", _font_list_dir())

# protobuf warns about an API mediapipe 0.10.14 still uses; it is noise in the job log.
warnings.filterwarnings("ignore", category=UserWarning, module="google.protobuf")


def progress(fraction, message):
    """Reports progress with the platform's `::progress <0..1> <message>` protocol."""
    print(f"::progress {fraction:.2f} {message}", flush=True)


def fail(message, status=2):
    """Ends the run as a program failure with a readable reason."""
    print(message, file=sys.stderr, flush=True)
    sys.exit(status)


def load_rgb(path):
    """The image at `path` as an RGB uint8 array (cv2 decodes JPEG, PNG, WebP, BMP, TIFF)."""
    import cv2
    import numpy as np

    data = np.fromfile(path, dtype=np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        fail(f"{os.path.basename(path)}: not an image this model can read")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def write_result(result):
    """Writes the run's structured result, atomically (the platform reads it after exit)."""
    with open("result.json.part", "w", encoding="utf-8") as out:
        json.dump(result, out, separators=(",", ":"))
    os.replace("result.json.part", "result.json")
