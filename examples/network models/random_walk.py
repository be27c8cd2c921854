"""Random walks of 500 particles: spread grows as the square root of time."""
import mreorg  # noqa: F401
import matplotlib.pyplot as plt
import numpy as np

rng = np.random.default_rng(1)
steps = rng.choice([-1, 1], size=(500, 400))
paths = steps.cumsum(axis=1)

fig, (a, b) = plt.subplots(1, 2, figsize=(8, 3.2))
for p in paths[:20]:
    a.plot(p, lw=0.6)
a.set_xlabel('step')
a.set_ylabel('position')
a.set_title('20 of 500 walks')
b.hist(paths[:, -1], bins=30, color='tab:purple')
b.set_xlabel('final position')
b.set_title(f'spread: sd = {paths[:, -1].std():.1f}')
fig.tight_layout()
print(f'sd after 400 steps: {paths[:, -1].std():.2f} (theory {np.sqrt(400):.1f})')
