"""python -m ingest. Output into a closed pipe (`check | head`) and Ctrl-C
end the command with a status, not a traceback."""

import os
import sys

from ingest.cli import main


def run() -> int:
    try:
        status = main()
        sys.stdout.flush()  # here, where a closed pipe can still be caught
        return status
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away: stop quietly, and keep Python from failing again on flushing stdout
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


sys.exit(run())
