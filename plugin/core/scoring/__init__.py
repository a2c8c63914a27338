"""Scoring (风险评价): each hazard source by its sector's method (GB 18218-2018, LEC, LS), each unit by its worst."""
