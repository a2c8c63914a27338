"""The sample city generator (示例城市): `make sample` writes resources/sample/ with it."""
