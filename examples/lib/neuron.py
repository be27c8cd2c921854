"""A leaky integrate-and-fire neuron, shared by the example simulations."""
import numpy as np


def simulate_lif(current_na, t_stop_ms=200.0, dt_ms=0.1, tau_ms=20.0, r_mohm=10.0,
                 v_rest=-65.0, v_thresh=-50.0, v_reset=-70.0):
    """Euler-integrate the membrane; return (times, voltages, spike_times)."""
    n = int(t_stop_ms / dt_ms)
    t = np.arange(n) * dt_ms
    v = np.empty(n)
    v[0] = v_rest
    spikes = []
    for i in range(1, n):
        dv = (-(v[i - 1] - v_rest) + r_mohm * current_na) / tau_ms
        v[i] = v[i - 1] + dt_ms * dv
        if v[i] >= v_thresh:
            v[i] = v_reset
            spikes.append(t[i])
    return t, v, spikes


def firing_rate_hz(spikes, t_stop_ms):
    return 1000.0 * len(spikes) / t_stop_ms
