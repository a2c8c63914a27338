(
    "Ingest (导入): survey files in, validated units, hazard sources and issues out; "
    "the template and the surveyors' error workbook."
)
