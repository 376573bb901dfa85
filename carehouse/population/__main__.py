import sys

from carehouse.population.cli import main

sys.exit(main())
