import sys

from nearzero.cli import main

sys.exit(main())
