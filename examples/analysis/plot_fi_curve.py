"""Plots the F-I curve that sims/gen_fi_curve.py computed."""
import json
import os

import mreorg  # noqa: F401
import matplotlib.pyplot as plt

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data', 'fi_curve.json')
with open(path) as f:
    fi = json.load(f)

fig = plt.figure(figsize=(5, 3.5))
plt.plot(fi['current_na'], fi['rate_hz'], 'o-', ms=3)
plt.xlabel('input current (nA)')
plt.ylabel('firing rate (Hz)')
plt.title('F-I curve')
plt.grid(alpha=0.3)
plt.tight_layout()
mreorg.PlotManager.save_figure(figname='fi_curve', figure=fig)
print(f"max rate {max(fi['rate_hz']):.1f} Hz")
