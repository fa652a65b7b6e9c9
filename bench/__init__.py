"""``make bench``: how fast newsflow is, against the broker's ceiling, side by side.

Run ``python -m bench.run`` (``--quick`` for the short version). Every figure
is measured in the same run on the same generated articles, so ratios hold
even where absolute times vary from one shared machine to the next.
"""
