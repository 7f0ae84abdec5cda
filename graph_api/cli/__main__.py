import sys

from graph_api.cli import main

sys.exit(main())
