"""``newsflow``: run workers, feed them, watch what comes out.

Every command prints one clear line and exits non-zero on a bad argument, a
missing file or an unreachable broker; never a traceback.

``main.py`` holds the parser and turns an error into its exit status; each
command is a module of its own (its arguments, its examples and ``command``);
``render.py`` draws whatever is more than a line (tables, trees, a tailed
message); ``deployment.py`` finds the running deployment a command talks to.

What takes long to import (aiokafka and the pipeline's models and tables,
about a second; Faust's worker) is imported inside the commands that use it,
so that ``--help`` and a one-line error answer at once.
"""
