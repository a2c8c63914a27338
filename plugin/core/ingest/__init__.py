"""Ingest (导入): survey files → validated units, hazard sources and issues; the template; error workbooks."""
