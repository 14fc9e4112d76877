"""The shipped sentiment model: `model.npz` (weights) and `model.json` (version, thresholds, training summary)."""
