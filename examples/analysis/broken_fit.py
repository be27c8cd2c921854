"""Fits an exponential to the F-I curve. Fails on purpose: it shows how mreorg reports a traceback."""
import math

import mreorg  # noqa: F401


def fit_time_constant(rates):
    # A log of a zero rate: the bug this example keeps on purpose.
    return [math.log(r) for r in rates]


print('fitting...')
fit_time_constant([12.0, 5.0, 0.0])
