import sys

from benchmarks.corpusgen.cli import main

sys.exit(main())
