"""The Processing provider citysafety and one thin algorithm per step."""
