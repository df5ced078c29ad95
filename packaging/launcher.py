"""The bundled app's entry point: the same `softphone` command line."""

import sys

from softphone.cli import main

if __name__ == "__main__":
    sys.exit(main())
