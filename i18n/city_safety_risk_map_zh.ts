<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh">
  <context>
    <name>CitySafety</name>
    <message>
      <location filename="../plugin/plugin.py" line="46" />
      <source>City Safety Risk</source>
      <translation>城市安全风险</translation>
    </message>
    <message>
      <location filename="../plugin/plugin.py" line="65" />
      <source>City Safety Risk Map</source>
      <translation>城市安全风险一张图</translation>
    </message>
    <message>
      <location filename="../plugin/processing/base.py" line="51" />
      <source>Survey data</source>
      <translation>调查数据</translation>
    </message>
    <message>
      <location filename="../plugin/processing/base.py" line="61" />
      <source>Cancelled; earlier outputs were left as they were.</source>
      <translation>已取消；之前的输出保持不变。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="26" />
      <source>Import surveys</source>
      <translation>导入调查数据</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="27" />
      <source>Imports survey workbooks (.xlsx) and CSV files (UTF-8, UTF-8 with BOM, GB18030) into one risk database (GeoPackage) with the layers units, hazards, import_issues and import_runs.

Headers are found by their Chinese or English names and aliases on any row; both the template's two-sheet layout and a flat one-sheet layout are read. Full-width digits, units in cells (kg are converted to t), Excel and Chinese dates, degrees-minutes-seconds, swapped lon/lat, total rows and blank rows are handled. GCJ-02 and BD-09 coordinates are converted to WGS84.

Every row ends in exactly one place: accepted, rejected with its reasons in import_issues (file, sheet, row, column, value, code, Chinese and English message), or skipped as blank/total and counted. The database is written to a temporary file and moved into place, so a failure or cancel keeps an earlier one. Optionally an error workbook per input file lists the rows to fix.</source>
      <translation>将调查表工作簿（.xlsx）和 CSV 文件（UTF-8、带 BOM 的 UTF-8、GB18030）导入一个风险数据库（GeoPackage），包含图层 units（单位）、hazards（危险源）、import_issues（导入问题）和 import_runs（导入记录）。

按中文或英文列名及别名在任意行识别表头；支持模板的双工作表格式和单表平铺格式。可正确读取全角数字、单元格内的计量单位（千克换算为吨）、Excel 日期和中文日期、度分秒坐标、经纬度填反、合计行和空行。GCJ-02 和 BD-09 坐标转换为 WGS84。

每一行都有唯一去向：接受；或被拒绝并在 import_issues 中列明原因（文件、工作表、行、列、原值、问题代码、中英文说明）；或作为空行/合计行跳过并计数。数据库先写入临时文件再替换，失败或取消不会破坏之前的数据库。可选为每个输入文件生成问题清单工作簿，供调查员修改。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="61" />
      <source>Error workbooks for the surveyors (folder)</source>
      <translation>返给调查员的问题清单工作簿（文件夹）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="131" />
      <source>Rows read = accepted + rejected + skipped (blank / total), per file:</source>
      <translation>各文件：读取行数 = 接受 + 拒绝 + 跳过（空行 / 合计行）：</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="48" />
      <source>Survey files (.xlsx, .csv)</source>
      <translation>调查表文件（.xlsx、.csv）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="50" />
      <source>Or every survey file in a folder</source>
      <translation>或导入文件夹中的全部调查表</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="53" />
      <source>Coordinate system of rows that do not name one</source>
      <translation>未填写坐标系的行采用的坐标系</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="57" />
      <source>Survey area (points outside it are warned)</source>
      <translation>调查区域范围（范围外的点给出警告）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="59" />
      <source>Risk database</source>
      <translation>风险数据库</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="65" />
      <source>Open the imported layers</source>
      <translation>完成后打开导入的图层</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="66" />
      <source>Units accepted</source>
      <translation>导入单位数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="66" />
      <source>Hazard sources accepted</source>
      <translation>导入危险源数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="67" />
      <source>Rows read</source>
      <translation>读取行数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="67" />
      <source>Rows rejected</source>
      <translation>拒绝行数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="68" />
      <source>Errors</source>
      <translation>错误数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="68" />
      <source>Warnings</source>
      <translation>警告数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="69" />
      <source>Files refused</source>
      <translation>拒绝的文件数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="96" />
      <source>No survey files given (choose files or a folder).</source>
      <translation>未指定调查表文件（请选择文件或文件夹）。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="117" />
      <source>Row balance check failed; please report this.</source>
      <translation>行数核对未通过，请报告此问题。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="59" />
      <source>GeoPackage (*.gpkg)</source>
      <translation>GeoPackage 数据库 (*.gpkg)</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="138" />
      <source>Total: {} rows read, {} accepted, {} rejected, {} blank, {} total rows; {} units and {} hazard sources imported.</source>
      <translation>合计：读取 {} 行，接受 {} 行，拒绝 {} 行，空行 {} 行，合计行 {} 行；导入单位 {} 个、危险源 {} 个。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="105" />
      <source>Writing {}</source>
      <translation>正在写入 {}</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="114" />
      <source>Error workbook: {}</source>
      <translation>问题清单：{}</translation>
    </message>
    <message>
      <location filename="../plugin/processing/provider.py" line="31" />
      <source>City Safety Risk Map (城市安全风险一张图)</source>
      <translation>城市安全风险一张图 (City Safety Risk Map)</translation>
    </message>
    <message>
      <location filename="../plugin/processing/provider.py" line="18" />
      <source>Survey template…</source>
      <translation>调查表模板…</translation>
    </message>
    <message>
      <location filename="../plugin/processing/provider.py" line="19" />
      <source>Import surveys…</source>
      <translation>导入调查数据…</translation>
    </message>
    <message>
      <location filename="../plugin/processing/survey_template.py" line="14" />
      <source>Survey template</source>
      <translation>调查表模板</translation>
    </message>
    <message>
      <location filename="../plugin/processing/survey_template.py" line="15" />
      <source>Writes a blank survey workbook (.xlsx) for one sector or for all sectors: an instructions sheet (说明) explaining every column and the coordinate systems, the units sheet (单位信息) and the hazard-sources sheet (危险源) with Chinese headers, English keys, drop-down lists for coded columns and one example row. A template filled in this way imports without errors.</source>
      <translation>为一个行业领域或全部行业领域生成空白调查表工作簿（.xlsx）：说明工作表解释每一列及坐标系，单位信息表和危险源表带中文表头、英文字段名、代码列的下拉列表和一行示例。按示例填写的模板可无错误导入。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/survey_template.py" line="23" />
      <source>All sectors</source>
      <translation>全部行业领域</translation>
    </message>
    <message>
      <location filename="../plugin/processing/survey_template.py" line="24" />
      <source>Sector</source>
      <translation>行业领域</translation>
    </message>
    <message>
      <location filename="../plugin/processing/survey_template.py" line="27" />
      <source>Template workbook</source>
      <translation>模板工作簿</translation>
    </message>
    <message>
      <location filename="../plugin/processing/survey_template.py" line="27" />
      <source>Excel workbook (*.xlsx)</source>
      <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
      <location filename="../plugin/processing/survey_template.py" line="36" />
      <source>Template written: {}</source>
      <translation>模板已写入：{}</translation>
    </message>
  </context>
</TS>
