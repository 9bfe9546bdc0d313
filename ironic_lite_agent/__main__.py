import sys

from ironic_lite_agent.cli import main

sys.exit(main())
