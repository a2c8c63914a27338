"""Mapping (风险一张图): the risk-density grid and the district summary."""
