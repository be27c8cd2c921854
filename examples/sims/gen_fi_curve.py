"""Firing rate against input current (the F-I curve); writes data/fi_curve.json for the analysis scripts."""
import json
import os
import sys

import mreorg  # noqa: F401
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, '..', 'lib'))
from neuron import firing_rate_hz, simulate_lif  # noqa: E402

quick = '--quick' in sys.argv
currents = np.linspace(0.0, 4.0, 9 if quick else 41)
rates = []
for current in currents:
    _, _, spikes = simulate_lif(float(current), t_stop_ms=500.0)
    rates.append(firing_rate_hz(spikes, 500.0))

out = os.path.join(here, '..', 'data', 'fi_curve.json')
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, 'w') as f:
    json.dump({'current_na': currents.tolist(), 'rate_hz': rates}, f, indent=1)
print(f'wrote {len(rates)} points; rheobase near {currents[np.argmax(np.array(rates) > 0)]:.2f} nA')
