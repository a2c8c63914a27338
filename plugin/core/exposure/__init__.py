"""Exposure (周边环境): receptors and people around each hazard source, and the upgrades they cause."""
