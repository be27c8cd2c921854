"""Membrane voltage of a leaky integrate-and-fire neuron for three input currents."""
import os
import sys

import mreorg  # noqa: F401  (figures are saved by mreorg when it runs the script)
import matplotlib.pyplot as plt

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
from neuron import simulate_lif  # noqa: E402

t_stop = 50.0 if 'MF_QUICK' in os.environ else 200.0
fig, ax = plt.subplots(figsize=(7, 3.5))
for current in (1.0, 1.8, 2.5):
    t, v, spikes = simulate_lif(current, t_stop_ms=t_stop)
    ax.plot(t, v, label=f'I = {current} nA ({len(spikes)} spikes)')
    print(f'I={current} nA: {len(spikes)} spikes in {t_stop:.0f} ms')
ax.set_xlabel('time (ms)')
ax.set_ylabel('membrane potential (mV)')
ax.set_title('Leaky integrate-and-fire neuron')
ax.legend(loc='lower right', fontsize=8)
fig.tight_layout()
plt.show()
