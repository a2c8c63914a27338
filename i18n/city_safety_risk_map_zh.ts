<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh">
  <context>
    <name>CitySafety</name>
    <message>
      <location filename="../plugin/plugin.py" line="52" />
      <source>City Safety Risk</source>
      <translation>城市安全风险</translation>
    </message>
    <message>
      <location filename="../plugin/plugin.py" line="66" />
      <source>Start a cascade scenario at a clicked hazard…</source>
      <translation>在地图上点选危险源进行连锁事故推演…</translation>
    </message>
    <message>
      <location filename="../plugin/plugin.py" line="75" />
      <source>City Safety Risk Map</source>
      <translation>城市安全风险一张图</translation>
    </message>
    <message>
      <location filename="../plugin/processing/base.py" line="51" />
      <source>Survey data</source>
      <translation>调查数据</translation>
    </message>
    <message>
      <location filename="../plugin/processing/base.py" line="68" />
      <source>Risk analysis</source>
      <translation>风险分析</translation>
    </message>
    <message>
      <location filename="../plugin/processing/base.py" line="61" />
      <source>Cancelled; earlier outputs were left as they were.</source>
      <translation>已取消；之前的输出保持不变。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="25" />
      <source>Cascade (domino) graph</source>
      <translation>多米诺连锁效应分析</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="26" />
      <source>Builds the directed escalation graph over all hazard sources of a scored risk database: each source's accident scenario from its substance (vapour-cloud explosion, pool fire, TNT, none), the distance at which its overpressure or heat radiation falls to each target equipment's threshold, and an edge i → j when j lies within i's escalation distance for j's equipment, with the load at j and the escalation probability from the probit. Candidate pairs come from one spatial-index query. Per source: out- and in-degree, reach in 1, 2 and any number of steps, the most probable chain, betweenness and closeness on −ln P (exact, or sampled with a seed in large clusters — the method is recorded), the cluster and its size. A source that can reach a level-1 source within two steps goes up one level (rules; recorded in level_reasons). Writes cascade_edges (arrows), cascade_chains and the new fields.</source>
      <translation>为已评价风险数据库中的全部危险源构建有向连锁（多米诺）关系图：按物质确定事故情景（蒸气云爆炸、池火、TNT 爆炸或无），计算冲击波超压或热辐射衰减到各类目标设备阈值的距离；当目标位于源对该类设备的连锁距离内时建立边 i → j，记录目标处的荷载和按概率单位（probit）计算的连锁概率。候选对由一次空间索引查询得到。对每个危险源计算出度、入度、1 步/2 步/任意步可达数、最可能的连锁链、基于 −ln P 的介数和接近度（大连锁群采用带种子的抽样并记录方法）、所属连锁群及规模。能在两步内引发一级风险源的危险源升一级（规则；写入定级依据）。输出 cascade_edges（箭头）、cascade_chains 和新字段。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="72" />
      <source>Cascade scenario from one accident</source>
      <translation>单一事故连锁推演</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="73" />
      <source>Starts an accident at one hazard source (its code; in QGIS also by clicking it on the map with the plugin's scenario tool) and propagates it over the escalation graph: the deterministic set (every source reachable with a chain probability at or above the threshold) and a seeded Monte Carlo run (each round every failed source loads its neighbours, each fails with its probit probability; stop when a round adds none) giving each source's failure frequency. Writes scenario_affected (the sources) and scenario_zone (the union of their effect zones) with the receptors and people inside it. The same seed gives the same answer.</source>
      <translation>从一个危险源（编码；在 QGIS 中也可用插件的推演工具在地图上点选）开始一次事故，并沿连锁关系图传播：确定性集合（连锁链概率不低于阈值的全部危险源），以及带随机数种子的蒙特卡洛模拟（每一轮每个已失效的危险源对邻近目标施加荷载，各目标按概率单位失效；某一轮无新增失效时停止），给出每个危险源的失效频率。输出 scenario_affected（受影响危险源）和 scenario_zone（其影响范围的并集），以及范围内的敏感目标和人口。相同种子给出相同结果。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="38" />
      <source>Open the map layers</source>
      <translation>完成后打开地图图层</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="39" />
      <source>Risk database</source>
      <translation>风险数据库</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="40" />
      <source>Escalation edges</source>
      <translation>连锁关系数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="41" />
      <source>Hazard sources upgraded</source>
      <translation>升级的危险源数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="42" />
      <source>Largest cluster</source>
      <translation>最大连锁群规模</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="90" />
      <source>Initiating hazard source (code)</source>
      <translation>初始事故危险源（编码）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="92" />
      <source>Chain probability threshold</source>
      <translation>连锁链概率阈值</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="95" />
      <source>Monte Carlo trials</source>
      <translation>蒙特卡洛模拟次数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="97" />
      <source>Random seed</source>
      <translation>随机数种子</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="101" />
      <source>Sources affected</source>
      <translation>受影响的危险源数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="102" />
      <source>People in the effect zone</source>
      <translation>影响范围内人口</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="55" />
      <source>{} escalation edges, largest cluster {} sources, {} sources upgraded.</source>
      <translation>连锁关系 {} 条，最大连锁群 {} 个危险源，升级危险源 {} 个。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="118" />
      <source>{} sources affected; {:.0f} people in the effect zone.</source>
      <translation>受影响危险源 {} 个；影响范围内人口 {:.0f} 人。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="43" />
      <source>Import surveys</source>
      <translation>导入调查数据</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="44" />
      <source>Imports survey workbooks (.xlsx) and CSV files (UTF-8, UTF-8 with BOM, GB18030) into one risk database (GeoPackage) with the layers units, hazards, import_issues and import_runs.

Headers are found by their Chinese or English names and aliases on any row; both the template's two-sheet layout and a flat one-sheet layout are read. Full-width digits, units in cells (kg are converted to t), Excel and Chinese dates, degrees-minutes-seconds, swapped lon/lat, total rows and blank rows are handled. GCJ-02 and BD-09 coordinates are converted to WGS84.

Every row ends in exactly one place: accepted, rejected with its reasons in import_issues (file, sheet, row, column, value, code, Chinese and English message), or skipped as blank/total and counted. The database is written to a temporary file and moved into place, so a failure or cancel keeps an earlier one. Optionally an error workbook per input file lists the rows to fix.</source>
      <translation>将调查表工作簿（.xlsx）和 CSV 文件（UTF-8、带 BOM 的 UTF-8、GB18030）导入一个风险数据库（GeoPackage），包含图层 units（单位）、hazards（危险源）、import_issues（导入问题）和 import_runs（导入记录）。

按中文或英文列名及别名在任意行识别表头；支持模板的双工作表格式和单表平铺格式。可正确读取全角数字、单元格内的计量单位（千克换算为吨）、Excel 日期和中文日期、度分秒坐标、经纬度填反、合计行和空行。GCJ-02 和 BD-09 坐标转换为 WGS84。

每一行都有唯一去向：接受；或被拒绝并在 import_issues 中列明原因（文件、工作表、行、列、原值、问题代码、中英文说明）；或作为空行/合计行跳过并计数。数据库先写入临时文件再替换，失败或取消不会破坏之前的数据库。可选为每个输入文件生成问题清单工作簿，供调查员修改。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="29" />
      <source>Survey files (.xlsx, .csv)</source>
      <translation>调查表文件（.xlsx、.csv）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="31" />
      <source>Or every survey file in a folder</source>
      <translation>或导入文件夹中的全部调查表</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="34" />
      <source>Coordinate system of rows that do not name one</source>
      <translation>未填写坐标系的行采用的坐标系</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="38" />
      <source>Survey area (points outside it are warned)</source>
      <translation>调查区域范围（范围外的点给出警告）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="68" />
      <source>Error workbooks for the surveyors (folder)</source>
      <translation>返给调查员的问题清单工作簿（文件夹）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="139" />
      <source>Rows read = accepted + rejected + skipped (blank / total), per file:</source>
      <translation>各文件：读取行数 = 接受 + 拒绝 + 跳过（空行 / 合计行）：</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="72" />
      <source>Open the imported layers</source>
      <translation>完成后打开导入的图层</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="73" />
      <source>Units accepted</source>
      <translation>导入单位数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="73" />
      <source>Hazard sources accepted</source>
      <translation>导入危险源数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="74" />
      <source>Rows read</source>
      <translation>读取行数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="74" />
      <source>Rows rejected</source>
      <translation>拒绝行数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="75" />
      <source>Errors</source>
      <translation>错误数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="75" />
      <source>Warnings</source>
      <translation>警告数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="76" />
      <source>Files refused</source>
      <translation>拒绝的文件数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="104" />
      <source>No survey files given (choose files or a folder).</source>
      <translation>未指定调查表文件（请选择文件或文件夹）。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="66" />
      <source>GeoPackage (*.gpkg)</source>
      <translation>GeoPackage 数据库 (*.gpkg)</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="114" />
      <source>Row balance check failed; please report this.</source>
      <translation>行数核对未通过，请报告此问题。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="146" />
      <source>Total: {} rows read, {} accepted, {} rejected, {} blank, {} total rows; {} units and {} hazard sources imported.</source>
      <translation>合计：读取 {} 行，接受 {} 行，拒绝 {} 行，空行 {} 行，合计行 {} 行；导入单位 {} 个、危险源 {} 个。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="115" />
      <source>Writing {}</source>
      <translation>正在写入 {}</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="124" />
      <source>Error workbook: {}</source>
      <translation>问题清单：{}</translation>
    </message>
    <message>
      <location filename="../plugin/processing/provider.py" line="37" />
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
      <location filename="../plugin/processing/provider.py" line="20" />
      <source>Score hazards and units…</source>
      <translation>风险评价…</translation>
    </message>
    <message>
      <location filename="../plugin/processing/provider.py" line="21" />
      <source>Receptors and population around hazards…</source>
      <translation>敏感目标与人口分析…</translation>
    </message>
    <message>
      <location filename="../plugin/processing/provider.py" line="22" />
      <source>Cascade (domino) graph…</source>
      <translation>多米诺连锁效应分析…</translation>
    </message>
    <message>
      <location filename="../plugin/processing/provider.py" line="23" />
      <source>Cascade scenario from one accident…</source>
      <translation>单一事故连锁推演…</translation>
    </message>
    <message>
      <location filename="../plugin/processing/provider.py" line="24" />
      <source>Risk map…</source>
      <translation>风险一张图…</translation>
    </message>
    <message>
      <location filename="../plugin/processing/provider.py" line="25" />
      <source>Run the whole chain…</source>
      <translation>一键运行全流程…</translation>
    </message>
    <message>
      <location filename="../plugin/processing/proximity.py" line="62" />
      <source>Receptors and population around hazards</source>
      <translation>敏感目标与人口分析</translation>
    </message>
    <message>
      <location filename="../plugin/processing/proximity.py" line="63" />
      <source>For every hazard source of a scored risk database: receptors of each class within its reach radius (the sector's, from the rules; polygons by their nearest edge), the nearest high-sensitivity receptor (name, class, distance), a flag when it lies within the sector's protection distance, and the population within 500 m and within the reach from a population raster (people per cell, any CRS; cells cut by the circle count by their share of area). For GB 18218 units α comes from the raster population within 500 m of the unit (alpha_source = raster) and R and the level are recomputed. The rules' upgrades (a level-2 hazard with a high-sensitivity receptor within reach becomes level 1, level 3 becomes 2) are recorded in level_reasons. Writes hazard_receptor_links (lines from hazards to the receptors within reach) and proximity_issues (unknown receptor classes).</source>
      <translation>对已评价风险数据库中的每个危险源：统计其影响半径（规则中的行业默认半径；面状目标按最近边界计）内各类敏感目标的数量，最近的高敏感目标（名称、类别、距离），高敏感目标位于行业防护距离内时给出标记，并由人口栅格（每格人数，任意坐标系；被圆切割的网格按面积占比计）统计 500 米和影响半径内的人口。GB 18218 单位的 α 由单位 500 米内的栅格人口确定（alpha_source = raster），并重算 R 和等级。按规则升级（影响半径内有高敏感目标的较大风险升为重大，一般风险升为较大），并写入定级依据。输出 hazard_receptor_links（危险源到影响半径内敏感目标的连线）和 proximity_issues（未知的敏感目标类别）。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/proximity.py" line="19" />
      <source>Receptors (points or polygons)</source>
      <translation>敏感目标（点或面图层）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/proximity.py" line="29" />
      <source>Or receptors as a table with lon/lat (.xlsx, .csv)</source>
      <translation>或带经纬度的敏感目标表格（.xlsx、.csv）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/proximity.py" line="32" />
      <source>Population raster (people per cell, any CRS)</source>
      <translation>人口栅格（每格人数，任意坐标系）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/proximity.py" line="23" />
      <source>Receptor name field (guessed when empty)</source>
      <translation>敏感目标名称字段（空白时自动识别）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/proximity.py" line="26" />
      <source>Receptor class field (guessed when empty)</source>
      <translation>敏感目标类别字段（空白时自动识别）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/proximity.py" line="88" />
      <source>Protection distance breaches</source>
      <translation>防护距离内有高敏感目标的危险源数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/proximity.py" line="89" />
      <source>Hazard-receptor links</source>
      <translation>危险源-敏感目标连线数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/proximity.py" line="96" />
      <source>Give receptors, a population raster, or both.</source>
      <translation>请提供敏感目标、人口栅格或两者。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/proximity.py" line="104" />
      <source>{} hazard sources upgraded, {} protection distance breaches, {} links.</source>
      <translation>升级危险源 {} 个，防护距离内有高敏感目标 {} 处，连线 {} 条。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/risk_map.py" line="19" />
      <source>Risk map</source>
      <translation>风险一张图</translation>
    </message>
    <message>
      <location filename="../plugin/processing/risk_map.py" line="20" />
      <source>Builds the unified risk layer of the whole city (risk_map: units styled by level in red, orange, yellow and blue, a symbol shape per sector, level-1 units on top, labels for level-1 and level-2 units at large scales), a risk-density GeoTIFF (units weighted by level with the rules' weights, kernel density in metres in the local Gauss-Krüger zone) and, when districts are given, a district summary layer (units per level, worst level, risk index = weighted units per km²) styled as a choropleth. In QGIS the layers are put in a group 城市安全风险一张图: districts and density at small scales, points at large ones.</source>
      <translation>生成全市统一的风险一张图：risk_map 图层按风险等级以红、橙、黄、蓝四色显示单位，每个行业领域一种符号形状，重大风险单位绘制在最上层，大比例尺下标注重大和较大风险单位名称；风险密度 GeoTIFF（按规则中的等级权重对单位加权，在当地高斯-克吕格投影下以米为单位做核密度）；给定行政区图层时，生成行政区风险汇总图层（各等级单位数、最高等级、风险指数 = 每平方千米加权单位数），以分级色彩显示。在 QGIS 中，这些图层放入「城市安全风险一张图」图层组：小比例尺显示行政区和密度，大比例尺显示点位。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/risk_map.py" line="40" />
      <source>Districts (polygons, optional)</source>
      <translation>行政区（面图层，可选）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/risk_map.py" line="43" />
      <source>Risk density (GeoTIFF)</source>
      <translation>风险密度（GeoTIFF）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/risk_map.py" line="47" />
      <source>Units on the map</source>
      <translation>上图单位数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/risk_map.py" line="48" />
      <source>Districts summarised</source>
      <translation>汇总的行政区数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/risk_map.py" line="57" />
      <source>Receptors and population first (citysafety:proximity)</source>
      <translation>先进行敏感目标与人口分析（citysafety:proximity）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/risk_map.py" line="43" />
      <source>GeoTIFF (*.tif)</source>
      <translation>GeoTIFF 栅格 (*.tif)</translation>
    </message>
    <message>
      <location filename="../plugin/processing/risk_map.py" line="83" />
      <source>Risk density: {} × {} cells of {} m, EPSG:{}, total weight {:.0f}</source>
      <translation>风险密度：{} × {} 个 {} 米网格，EPSG:{}，总权重 {:.0f}</translation>
    </message>
    <message>
      <location filename="../plugin/processing/run_all.py" line="19" />
      <source>Run the whole chain</source>
      <translation>一键运行全流程</translation>
    </message>
    <message>
      <location filename="../plugin/processing/run_all.py" line="20" />
      <source>Runs the whole chain on a set of survey files: import the surveys into a risk database, score every hazard source and unit by the rules, with receptors or a population raster analyse what lies around each hazard (α from the population, upgrades), build the cascade (domino) graph, and build the risk map (risk layer, density raster, district summary). The same parameters as the single steps; each step's log is shown in turn.</source>
      <translation>对一组调查表文件运行全流程：导入调查数据到风险数据库，按规则评价每个危险源和单位；提供敏感目标或人口栅格时分析每个危险源周边情况（由人口确定 α、升级），构建多米诺连锁关系图，并生成风险一张图（风险图层、密度栅格、行政区汇总）。参数与各单步相同，依次显示每一步的日志。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/run_all.py" line="42" />
      <source>Rules file (default: the plugin's rules)</source>
      <translation>规则文件（默认：插件自带规则）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/run_all.py" line="54" />
      <source>Cascade (domino) analysis</source>
      <translation>多米诺连锁效应分析</translation>
    </message>
    <message>
      <location filename="../plugin/processing/run_all.py" line="62" />
      <source>Major hazard sources</source>
      <translation>重大危险源数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/run_all.py" line="58" />
      <source>Units of level {}</source>
      <translation>{}级风险单位数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/score.py" line="34" />
      <source>Score hazards and units</source>
      <translation>风险评价</translation>
    </message>
    <message>
      <location filename="../plugin/processing/score.py" line="35" />
      <source>Scores every hazard source of a risk database by its sector's method in the rules: GB 18218-2018 (S = Σq/Q, R = α·Σβq/Q, Table 6 level) for units that are major hazard sources, LEC (D = L·E·C) or the LS matrix (R = L·S) otherwise. Each hazard gets method, s_value, r_value, alpha, alpha_source, lec_d, ls_r, level, level_zh and colour; each unit its level (the most severe hazard), worst hazard, hazard count, major-hazard flag and level_reasons. Problems (an unmatched substance, a missing population, missing values) go to the score_issues table. The database is rewritten atomically; the input rows are untouched otherwise.</source>
      <translation>按规则中各行业领域的评价方法评价风险数据库中的每个危险源：构成重大危险源的单位按 GB 18218-2018（S = Σq/Q，R = α·Σβq/Q，按表6 分级），其余按作业条件危险性评价法 LEC（D = L·E·C）或风险矩阵 LS（R = L·S）。每个危险源得到评价方法、S 值、R 值、α、α 来源、LEC D 值、LS R 值、等级、等级名称和颜色；每个单位得到等级（其最严重危险源的等级）、最严重危险源、危险源数、是否重大危险源及定级依据。问题（物质未匹配、缺少人口、缺少取值）写入 score_issues 表。数据库以原子方式重写，原有数据不变。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/score.py" line="56" />
      <source>Rules: {} ({})</source>
      <translation>规则：{}（{}）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/score.py" line="64" />
      <source>Units by sector and level:</source>
      <translation>各行业领域单位风险等级：</translation>
    </message>
    <message>
      <location filename="../plugin/processing/score.py" line="29" />
      <source>The rules file was refused: {}</source>
      <translation>规则文件未通过校验：{}</translation>
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
    <message>
      <source>Runs the whole chain on a set of survey files: import the surveys into a risk database, score every hazard source and unit by the rules, with receptors or a population raster analyse what lies around each hazard (α from the population, upgrades), and build the risk map (risk layer, density raster, district summary). The same parameters as the single steps; each step's log is shown in turn.</source>
      <translation type="vanished">对一组调查表文件运行全流程：导入调查数据到风险数据库，按规则评价每个危险源和单位；提供敏感目标或人口栅格时分析每个危险源周边情况（由人口确定 α、升级），并生成风险一张图（风险图层、密度栅格、行政区汇总）。参数与各单步相同，依次显示每一步的日志。</translation>
    </message>
    <message>
      <source>Runs the whole chain on a set of survey files: import the surveys into a risk database, score every hazard source and unit by the rules, and build the risk map (risk layer, density raster, district summary). The same parameters as the single steps; each step's log is shown in turn.</source>
      <translation type="vanished">对一组调查表文件运行全流程：导入调查数据到风险数据库，按规则评价每个危险源和单位，生成风险一张图（风险图层、密度栅格、行政区汇总）。参数与各单步相同，依次显示每一步的日志。</translation>
    </message>
  </context>
</TS>
