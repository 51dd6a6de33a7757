import sys

from data.synthetic.cli import main

sys.exit(main())
