"""Reporting (报告): the report's tables and the Excel workbook."""
