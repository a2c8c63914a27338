<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh">
  <context>
    <name>CitySafety</name>
    <message>
      <location filename="../plugin/core/reporting/cards.py" line="128" />
      <source>… and {} more risk points</source>
      <translation>……另有 {} 个风险点</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/cards.py" line="167" />
      <source>Responsible: not named</source>
      <translation>责任人：未填写</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/cards.py" line="183" />
      <source>not graded</source>
      <translation>未评级</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/cards.py" line="167" />
      <source>Responsible: {}</source>
      <translation>责任人：{}</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/cards.py" line="169" />
      <source>principal</source>
      <translation>主要负责人</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/cards.py" line="169" />
      <source>technical</source>
      <translation>技术负责人</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/cards.py" line="170" />
      <source>operations</source>
      <translation>操作负责人</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/cards.py" line="172" />
      <source>Major hazard source, responsible people (包保责任人): {}</source>
      <translation>重大危险源包保责任人：{}</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/cards.py" line="188" />
      <source>Duty phone {}</source>
      <translation>值班电话 {}</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/changes.py" line="19" />
      <source>Change</source>
      <translation>变化</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/changes.py" line="19" />
      <source>District</source>
      <translation>行政区</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/changes.py" line="19" />
      <source>Street</source>
      <translation>街道</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/changes.py" line="20" />
      <source>Sector</source>
      <translation>行业领域</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/changes.py" line="20" />
      <source>Unit code</source>
      <translation>单位编码</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/changes.py" line="20" />
      <source>Previous code</source>
      <translation>上一轮单位编码</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/changes.py" line="21" />
      <source>Unit name</source>
      <translation>单位名称</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/changes.py" line="21" />
      <source>Level before</source>
      <translation>原风险等级</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/changes.py" line="21" />
      <source>Level after</source>
      <translation>现风险等级</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/changes.py" line="22" />
      <source>Moved (m)</source>
      <translation>位置变化（米）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/changes.py" line="22" />
      <source>Reason (Chinese)</source>
      <translation>变化原因（中文）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/changes.py" line="23" />
      <source>Reason (English)</source>
      <translation>变化原因（英文）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/changes.py" line="63" />
      <source>What changed between two survey rounds</source>
      <translation>两轮调查之间的变化</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/changes.py" line="64" />
      <source>Before</source>
      <translation>比较基准</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/changes.py" line="66" />
      <source>After</source>
      <translation>比较对象</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/changes.py" line="69" />
      <source>All units</source>
      <translation>全部单位</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/changes.py" line="69" />
      <source>By district</source>
      <translation>按行政区</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/changes.py" line="69" />
      <source>By street</source>
      <translation>各街道</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/changes.py" line="70" />
      <source>By sector</source>
      <translation>按行业领域</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/changes.py" line="87" />
      <source>The list shows the first {n} of {total} changed units; the layer round_changes of the database holds them all.</source>
      <translation>清单列出变化单位 {total} 个中的前 {n} 个；数据库图层 round_changes 包含全部。</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="80" />
      <source>Unified social credit code</source>
      <translation>统一社会信用代码</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="84" />
      <source>Address</source>
      <translation>地址</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="85" />
      <source>Unit level</source>
      <translation>单位风险等级</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="86" />
      <source>Unit level name</source>
      <translation>单位风险等级名称</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="87" />
      <source>Major hazard source (S ≥ 1)</source>
      <translation>是否构成重大危险源（S ≥ 1）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="88" />
      <source>Σq/Q of the unit (S)</source>
      <translation>单位 Σq/Q（S）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="89" />
      <source>Population within 500 m</source>
      <translation>500 米范围内人口</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="90" />
      <source>Reasons for the unit's level</source>
      <translation>单位定级依据</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="91" />
      <source>Contact person</source>
      <translation>联系人</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="92" />
      <source>Contact phone</source>
      <translation>联系电话</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="93" />
      <source>Surveyor</source>
      <translation>调查人</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="94" />
      <source>Survey date</source>
      <translation>调查日期</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="96" />
      <source>Hazard source code</source>
      <translation>危险源编码</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="97" />
      <source>Hazard source name</source>
      <translation>危险源名称</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="98" />
      <source>Hazard source type</source>
      <translation>危险源类型</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="99" />
      <source>Equipment type</source>
      <translation>设备类型</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="100" />
      <source>Substance</source>
      <translation>危险物质</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="101" />
      <source>CAS number</source>
      <translation>CAS 号</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="102" />
      <source>Design maximum quantity (t)</source>
      <translation>设计最大量（t）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="103" />
      <source>Hazard source level</source>
      <translation>危险源风险等级</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="104" />
      <source>Hazard source level name</source>
      <translation>危险源风险等级名称</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="105" />
      <source>Method</source>
      <translation>评价方法</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="106" />
      <source>R (GB 18218)</source>
      <translation>R（GB 18218）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="107" />
      <source>α</source>
      <translation>α</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="108" />
      <source>Source of α</source>
      <translation>α 来源</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="109" />
      <source>Σβq/Q</source>
      <translation>Σβq/Q</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="110" />
      <source>q/Q</source>
      <translation>q/Q</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="111" />
      <source>β</source>
      <translation>β</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="112" />
      <source>LEC D</source>
      <translation>LEC D</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="113" />
      <source>LS R</source>
      <translation>LS R</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="114" />
      <source>Level before proximity upgrade</source>
      <translation>敏感目标升级前等级</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="115" />
      <source>Proximity upgrade reason</source>
      <translation>敏感目标升级原因</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="116" />
      <source>Scoring note</source>
      <translation>评价备注</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="117" />
      <source>Reach radius (m)</source>
      <translation>影响半径（m）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="118" />
      <source>Receptors within reach</source>
      <translation>影响半径内敏感目标数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="119" />
      <source>High-sensitivity receptors within reach</source>
      <translation>影响半径内高敏感目标数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="120" />
      <source>Nearest high-sensitivity receptors</source>
      <translation>最近的高敏感目标</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="121" />
      <source>Cascade reach, one step</source>
      <translation>连锁可达危险源数（1 步）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="122" />
      <source>Cascade reach, all steps</source>
      <translation>连锁可达危险源数（任意步）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="123" />
      <source>Most probable chain from here</source>
      <translation>由此引发的最可能连锁链概率</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="124" />
      <source>Cascade upgrade reason</source>
      <translation>连锁升级原因</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="125" />
      <source>Longitude</source>
      <translation>经度</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="126" />
      <source>Latitude</source>
      <translation>纬度</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="128" />
      <source>Receptor</source>
      <translation>敏感目标</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="129" />
      <source>Receptor class</source>
      <translation>敏感目标类别</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="130" />
      <source>Sensitivity</source>
      <translation>敏感程度</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="131" />
      <source>Distance (m)</source>
      <translation>距离（m）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="132" />
      <source>Protection distance (m)</source>
      <translation>防护距离（m）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="133" />
      <source>Within the protection distance</source>
      <translation>是否在防护距离内</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="135" />
      <source>Rank</source>
      <translation>排名</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="136" />
      <source>Probability</source>
      <translation>概率</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="137" />
      <source>Steps</source>
      <translation>步数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="138" />
      <source>Chain</source>
      <translation>连锁链</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="139" />
      <source>Initiating hazard source</source>
      <translation>初始事故危险源</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="140" />
      <source>Initiating unit</source>
      <translation>初始事故单位</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="141" />
      <source>Level of the initiating source</source>
      <translation>初始危险源风险等级</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="142" />
      <source>Last hazard source of the chain</source>
      <translation>连锁链末端危险源</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="143" />
      <source>Unit of the last source</source>
      <translation>末端危险源所属单位</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="144" />
      <source>Level of the last source</source>
      <translation>末端危险源风险等级</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="146" />
      <source>Step</source>
      <translation>步骤</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="147" />
      <source>File</source>
      <translation>文件</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="148" />
      <source>Issue code</source>
      <translation>问题代码</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="149" />
      <source>Severity</source>
      <translation>严重程度</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="150" />
      <source>Count</source>
      <translation>数量</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="151" />
      <source>Example message (Chinese)</source>
      <translation>示例说明（中文）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="152" />
      <source>Example message (English)</source>
      <translation>示例说明（英文）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="153" />
      <source>Import run</source>
      <translation>导入批次</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="154" />
      <source>Status</source>
      <translation>状态</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="155" />
      <source>Rows read</source>
      <translation>读取行数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="156" />
      <source>Rows accepted</source>
      <translation>接受行数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="157" />
      <source>Rows rejected</source>
      <translation>拒绝行数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="158" />
      <source>Blank rows skipped</source>
      <translation>跳过空行数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="159" />
      <source>Total rows skipped</source>
      <translation>跳过合计行数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="160" />
      <source>Read = accepted + rejected + skipped</source>
      <translation>读取 = 接受 + 拒绝 + 跳过</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="161" />
      <source>Units imported</source>
      <translation>导入单位数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="162" />
      <source>Hazard sources imported</source>
      <translation>导入危险源数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="163" />
      <source>Errors</source>
      <translation>错误数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="164" />
      <source>Warnings</source>
      <translation>警告数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="166" />
      <source>Item</source>
      <translation>项目</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="167" />
      <source>Value</source>
      <translation>值</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="168" />
      <source>Level</source>
      <translation>等级</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="169" />
      <source>Level name</source>
      <translation>等级名称</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="170" />
      <source>Units</source>
      <translation>单位数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="171" />
      <source>Hazard sources</source>
      <translation>危险源数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="173" />
      <source>Level 1</source>
      <translation>1级风险</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="174" />
      <source>Level 2</source>
      <translation>2级风险</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="175" />
      <source>Level 3</source>
      <translation>3级风险</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="176" />
      <source>Level 4</source>
      <translation>4级风险</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="177" />
      <source>Unscored</source>
      <translation>未评级</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="178" />
      <source>Total</source>
      <translation>合计</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="179" />
      <source>Worst level</source>
      <translation>最高风险等级</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="180" />
      <source>Area (km²)</source>
      <translation>面积（km²）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="181" />
      <source>Risk index</source>
      <translation>风险指数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="182" />
      <source>Rank by risk index</source>
      <translation>风险指数排名</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="184" />
      <source>{level}: share (%)</source>
      <translation>{level}：占比（%）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="188" />
      <source>Unscored: share (%)</source>
      <translation>未评级：占比（%）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="189" />
      <source>{level}: inherent</source>
      <translation>{level}：固有</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="193" />
      <source>Units raised by the upgrades</source>
      <translation>升级单位数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="194" />
      <source>Risk index of the inherent levels</source>
      <translation>固有风险指数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="196" />
      <source>Units by dynamic risk</source>
      <translation>按现实风险的单位数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="198" />
      <source>Units raised by the dynamic factors</source>
      <translation>现实风险提升的单位数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="199" />
      <source>Unit dynamic level</source>
      <translation>单位现实风险等级</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="200" />
      <source>Dynamic risk: raised by</source>
      <translation>现实风险提升原因</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="202" />
      <source>Hidden dangers</source>
      <translation>隐患数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="203" />
      <source>Open</source>
      <translation>未整改</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="204" />
      <source>Open major hidden dangers</source>
      <translation>未整改重大隐患</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="205" />
      <source>Open past the deadline</source>
      <translation>逾期未整改</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="206" />
      <source>Major, open past the deadline</source>
      <translation>逾期未整改重大隐患</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="207" />
      <source>Rectified</source>
      <translation>已整改</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="208" />
      <source>Average days to rectify</source>
      <translation>平均整改天数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="209" />
      <source>Hidden danger code</source>
      <translation>隐患编号</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="210" />
      <source>Description</source>
      <translation>隐患描述</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="212" />
      <source>Date found</source>
      <translation>发现日期</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="213" />
      <source>Deadline</source>
      <translation>整改期限</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="214" />
      <source>Days overdue</source>
      <translation>逾期天数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="215" />
      <source>Found by</source>
      <translation>隐患来源</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="217" />
      <source>Section</source>
      <translation>配置节</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="218" />
      <source>Key</source>
      <translation>参数名</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="220" />
      <source>Provenance</source>
      <translation>来源</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="221" />
      <source>Comment in the rules file</source>
      <translation>规则文件中的注释</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="222" />
      <source>Path</source>
      <translation>路径</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="223" />
      <source>SHA-256</source>
      <translation>SHA-256</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="224" />
      <source>Size (bytes)</source>
      <translation>大小（字节）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="225" />
      <source>Finished</source>
      <translation>完成时间</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="226" />
      <source>Started</source>
      <translation>开始时间</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="227" />
      <source>Rules</source>
      <translation>规则</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="228" />
      <source>Rules file</source>
      <translation>规则文件</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="229" />
      <source>SHA-256 of the rules file</source>
      <translation>规则文件 SHA-256</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="230" />
      <source>Plugin version</source>
      <translation>插件版本</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="231" />
      <source>Formula or band</source>
      <translation>公式或分级区间</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="234" />
      <source>Risk points without controls</source>
      <translation>缺少管控措施的风险点</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="235" />
      <source>Risk points without a responsible person</source>
      <translation>缺少责任人的风险点</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="236" />
      <source>Major hazard sources</source>
      <translation>重大危险源数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="237" />
      <source>Major hazard sources without their three responsible people</source>
      <translation>缺少包保责任人的重大危险源</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="238" />
      <source>Finding (Chinese)</source>
      <translation>发现问题（中文）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="239" />
      <source>Finding (English)</source>
      <translation>发现问题（英文）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="1116" />
      <source>not stated in the rules file</source>
      <translation>规则文件中未说明</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="197" />
      <source>{level}: dynamic risk</source>
      <translation>{level}：现实风险</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="233" />
      <source>{level}: risk points</source>
      <translation>{level}：风险点数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="428" />
      <source>yes</source>
      <translation>是</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="428" />
      <source>no</source>
      <translation>否</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="519" />
      <source>The proximity analysis (citysafety:proximity) has not run on this database: no receptors are listed.</source>
      <translation>本数据库尚未运行敏感目标与人口分析（citysafety:proximity），因此未列出敏感目标。</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="521" />
      <source>The cascade analysis (citysafety:cascade) has not run on this database: no domino chains are listed.</source>
      <translation>本数据库尚未运行多米诺连锁效应分析（citysafety:cascade），因此未列出多米诺连锁链。</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="523" />
      <source>The database holds no import record (import_runs, import_issues).</source>
      <translation>数据库中没有导入记录（import_runs、import_issues）。</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="943" />
      <source>high</source>
      <translation>高</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="943" />
      <source>medium</source>
      <translation>中</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="943" />
      <source>low</source>
      <translation>低</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="983" />
      <source>import</source>
      <translation>导入</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="983" />
      <source>scoring</source>
      <translation>风险评价</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="984" />
      <source>proximity</source>
      <translation>敏感目标与人口分析</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="1003" />
      <source>error</source>
      <translation>错误</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="1003" />
      <source>warning</source>
      <translation>警告</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="1056" />
      <source>level {a} → {b} with a high-sensitivity receptor within the protection distance; sectors: {s}</source>
      <translation>防护距离内有高敏感目标时 {a} 级 → {b} 级；适用行业：{s}</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="1058" />
      <source>level {a} → {b} with a high-sensitivity receptor within the reach; sectors: {s}</source>
      <translation>影响半径内有高敏感目标时 {a} 级 → {b} 级；适用行业：{s}</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="1114" />
      <source>literature default</source>
      <translation>文献默认值</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="1114" />
      <source>project default</source>
      <translation>项目默认值</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="1115" />
      <source>verified</source>
      <translation>已核实</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="645" />
      <source>The database does not record the rules each step used (no analysis_runs table); the rules given to the report are shown.</source>
      <translation>数据库未记录各步骤所用的规则（无 analysis_runs 表）；此处显示生成报告时指定的规则。</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="700" />
      <source>Districts: from the district summary of the risk map (units located in each district's area).</source>
      <translation>行政区：取自风险一张图的行政区汇总（按单位所在的行政区范围统计）。</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="704" />
      <source>The risk map with districts (citysafety:risk_map) has not run: districts are counted from the units' surveyed district field.</source>
      <translation>尚未运行带行政区的风险一张图（citysafety:risk_map）：行政区按单位调查时填写的行政区字段统计。</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="706" />
      <source>(no district)</source>
      <translation>（无行政区）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="730" />
      <source>Districts: inherent = the level the scores give before the proximity and cascade upgrades; raised = the units the upgrades made more severe; the shares are of the district's units.</source>
      <translation>行政区：固有 = 邻近敏感目标升级和多米诺连锁升级之前、由评分得出的等级；升级 = 因升级而风险等级提高的单位数；占比为占该行政区单位总数的百分比。</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="771" />
      <source>The rule ([controls] of the rules file): a hazard source of level {levels} names {asked}.</source>
      <translation>规则（规则文件的 [controls]）：{levels} 的危险源应填写{asked}。</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="774" />
      <source>A major hazard source names its principal in charge, technical lead and operations lead (包保责任人).</source>
      <translation>重大危险源应明确主要负责人、技术负责人和操作负责人（包保责任人）。</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="866" />
      <source>No hidden dangers counted: import the ledger (citysafety:import_hidden_dangers) and run the dynamic risk (citysafety:dynamic_risk).</source>
      <translation>尚未统计隐患：请导入隐患台账（citysafety:import_hidden_dangers）并运行现实风险（citysafety:dynamic_risk）。</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="882" />
      <source>No major hidden danger is open past its deadline.</source>
      <translation>没有逾期未整改的重大隐患。</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="1031" />
      <source>S = Σ q/Q; S ≥ 1: major hazard source (clause 4.2.1)</source>
      <translation>S = Σ q/Q；S ≥ 1：构成重大危险源（第 4.2.1 条）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="1032" />
      <source>R = α · Σ β·q/Q (clause 4.3.2; β Tables 3–4, α Table 5)</source>
      <translation>R = α · Σ β·q/Q（第 4.3.2 条；β 取自表 3–4，α 取自表 5）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="1045" />
      <source>D = L · E · C</source>
      <translation>D = L · E · C</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="1048" />
      <source>R = L · S (likelihood × severity, 1–5 each)</source>
      <translation>R = L · S（可能性 × 严重性，各取 1–5）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="573" />
      <source>No unit has this level.</source>
      <translation>没有该等级的单位。</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="590" />
      <source>No receptor lies within the reach of a level-1 or level-2 hazard source.</source>
      <translation>重大、较大风险危险源的影响半径内没有敏感目标。</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="604" />
      <source>The risk map was made before it counted who answers for the risk: run citysafety:risk_map again.</source>
      <translation>风险一张图生成时尚未统计管控责任，请重新运行“风险一张图”（citysafety:risk_map）。</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="606" />
      <source>The risk map (citysafety:risk_map) has not run: it counts who answers for the risk.</source>
      <translation>尚未运行风险一张图（citysafety:risk_map）：管控责任由该步骤统计。</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="611" />
      <source>Districts: counted from the units' surveyed district field (the risk map has no district areas).</source>
      <translation>行政区：按单位填报的所属区统计（风险一张图未提供行政区边界）。</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="614" />
      <source>No finding: every hazard source the rule asks about names its controls and a responsible person.</source>
      <translation>未发现问题：规则要求的危险源均已填写管控措施和责任人。</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="634" />
      <source>No issue was recorded.</source>
      <translation>未记录任何问题。</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="651" />
      <source>Warning: some steps used rules other than those given to the report (see the SHA-256 of each step).</source>
      <translation>警告：部分步骤所用的规则与生成报告时指定的规则不同（见各步骤的 SHA-256）。</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="654" />
      <source>Report time</source>
      <translation>报告时间</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="654" />
      <source>Risk database</source>
      <translation>风险数据库</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="655" />
      <source>Personal data</source>
      <translation>个人信息</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="734" />
      <source>Districts: the units do not record their inherent level (scored before it was kept): the inherent columns stay empty until the database is scored and mapped again.</source>
      <translation>行政区：单位未记录固有风险等级（评价时尚未保存该字段），固有风险各列为空；重新评价并重新生成风险一张图后即可填写。</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="769" />
      <source>at least one control measure</source>
      <translation>至少一项管控措施</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="770" />
      <source>a responsible person</source>
      <translation>管控责任人</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="870" />
      <source>Hidden dangers on {day}: open = not rectified on that day; past the deadline = open after their deadline; the average days run from found to rectified. The list: every major hidden danger open past its deadline (督办), most overdue first.</source>
      <translation>{day} 的隐患：未整改 = 当日尚未整改；逾期 = 超过整改期限仍未整改；平均整改天数自发现日期计至整改完成日期。清单：所有逾期未整改的重大隐患（督办），逾期最久的在前。</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="1066" />
      <source>Cascade upgrade</source>
      <translation>连锁升级</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="533" />
      <source>Units not scored</source>
      <translation>未评级单位数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="554" />
      <source>Dynamic risk (现实风险) as assessed on {day}: the inherent level raised by open major hidden dangers, overdue general ones, recent accidents and missing controls, by the rules' [dynamic] (the plugin's own factors, no standard gives them).</source>
      <translation>现实风险（评估日期 {day}）：在固有风险等级基础上，因未整改的重大隐患、逾期未整改的一般隐患、近期事故和管控缺失而提升，依据规则文件的 [dynamic]（本插件自行设计的系数，无国家标准规定）。</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="596" />
      <source>The {n} most probable chains of {total}, by probability.</source>
      <translation>按概率列出全部 {total} 条连锁链中最可能的 {n} 条。</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="657" />
      <source>contact names, phones and surveyors masked</source>
      <translation>联系人姓名、电话和调查人已脱敏</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="658" />
      <source>shown in full (unmasked on request)</source>
      <translation>完整显示（应要求未脱敏）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="1061" />
      <source>Proximity upgrade</source>
      <translation>敏感目标升级</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="531" />
      <source>Major hazard sources (units with S ≥ 1)</source>
      <translation>重大危险源单位数（S ≥ 1）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="772" />
      <source> and </source>
      <translation>和</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="1043" />
      <source>α = {alpha:g} for {range} people within 500 m outside the plant</source>
      <translation>厂区边界外 500 米范围内人数为 {range} 时，α = {alpha:g}</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="1066" />
      <source>up {n} level(s) when a level-1 source is reachable within {k} steps</source>
      <translation>{k} 步内可连锁波及重大风险危险源时升 {n} 级</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/data.py" line="1062" />
      <source>all</source>
      <translation>全部</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="50" />
      <source>No.</source>
      <translation>序号</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="51" />
      <source>Risk point code</source>
      <translation>风险点编码</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="52" />
      <source>Risk point</source>
      <translation>风险点名称</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="53" />
      <source>Type</source>
      <translation>类型</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="57" />
      <source>Risk features</source>
      <translation>风险特征</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="58" />
      <source>Conditions that can lead to an accident</source>
      <translation>产生条件</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="59" />
      <source>Possible accidents (GB 6441)</source>
      <translation>可能导致的事故类型（GB 6441）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="60" />
      <source>Reach (m)</source>
      <translation>影响范围（米）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="61" />
      <source>People within the reach</source>
      <translation>影响范围内人口</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="62" />
      <source>Receptors within the reach</source>
      <translation>影响范围内敏感目标数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="63" />
      <source>Risk level</source>
      <translation>风险等级</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="65" />
      <source>Risk colour</source>
      <translation>风险颜色</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="66" />
      <source>Engineering controls</source>
      <translation>工程技术措施</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="67" />
      <source>Management controls</source>
      <translation>管理措施</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="68" />
      <source>PPE and emergency measures</source>
      <translation>个体防护与应急处置措施</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="69" />
      <source>Control level</source>
      <translation>管控层级</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="71" />
      <source>Responsible unit</source>
      <translation>责任单位</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="72" />
      <source>Responsible person</source>
      <translation>责任人</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="73" />
      <source>Responsible person's phone</source>
      <translation>责任人电话</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="74" />
      <source>Supervising department</source>
      <translation>监管部门</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="75" />
      <source>Duty phone</source>
      <translation>值班电话</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="76" />
      <source>Major hazard source</source>
      <translation>重大危险源</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="77" />
      <source>Principal in charge</source>
      <translation>主要负责人</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="78" />
      <source>Technical lead</source>
      <translation>技术负责人</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="79" />
      <source>Operations lead</source>
      <translation>操作负责人</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="80" />
      <source>Missing (the [controls] rule)</source>
      <translation>管控缺失（[controls] 规则）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="124" />
      <source>controls</source>
      <translation>管控措施</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="125" />
      <source>responsible person</source>
      <translation>责任人</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="127" />
      <source>the three responsible people of a major hazard source</source>
      <translation>重大危险源包保责任人</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="236" />
      <source>Risk list</source>
      <translation>风险清单</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="238" />
      <source>Made</source>
      <translation>生成时间</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="241" />
      <source>Risk points listed</source>
      <translation>列出的风险点数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="102" />
      <source>Districts</source>
      <translation>行政区</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="103" />
      <source>Streets</source>
      <translation>街道</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="104" />
      <source>Sectors</source>
      <translation>行业领域</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="106" />
      <source>Levels</source>
      <translation>风险等级</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="242" />
      <source>responsible people's phones shown in full (unmasked on request)</source>
      <translation>责任人电话完整显示（应要求不脱敏）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="243" />
      <source>responsible people's phones masked; duty phones shown (they are public)</source>
      <translation>责任人电话已脱敏；值班电话照常显示（属公开信息）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="254" />
      <source>Columns the database does not have (left empty)</source>
      <translation>数据库中缺少的列（留空）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="257" />
      <source>Note</source>
      <translation>备注</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="257" />
      <source>The proximity analysis (citysafety:proximity) has not run: the reach and the people within it are empty.</source>
      <translation>尚未运行敏感目标与人口分析（citysafety:proximity）：影响范围及其人口为空。</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="260" />
      <source>No risk point matches the filters.</source>
      <translation>没有符合筛选条件的风险点。</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="247" />
      <source>level {levels}: controls {controls}, responsible person {person}; major hazard sources: their three responsible people {people}</source>
      <translation>{levels} 级：管控措施{controls}，责任人{person}；重大危险源：包保责任人{people}</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="250" />
      <source>required</source>
      <translation>必填</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/risk_list.py" line="250" />
      <source>not required</source>
      <translation>不要求</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/xlsx.py" line="440" />
      <source>Totals</source>
      <translation>总体情况</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/xlsx.py" line="443" />
      <source>Units and hazard sources by level</source>
      <translation>各风险等级单位和危险源数</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/xlsx.py" line="446" />
      <source>Units by sector and level</source>
      <translation>各行业领域单位风险等级</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/xlsx.py" line="449" />
      <source>Units by district and level</source>
      <translation>各行政区单位风险等级</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/xlsx.py" line="482" />
      <source>Who answers for the risk</source>
      <translation>管控责任</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/xlsx.py" line="486" />
      <source>Risk points and who answers for them, by district</source>
      <translation>各区风险点与管控责任</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/xlsx.py" line="498" />
      <source>Hidden dangers and their supervision (督办)</source>
      <translation>隐患治理与督办</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/xlsx.py" line="502" />
      <source>Hidden dangers by district</source>
      <translation>各行政区隐患</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/xlsx.py" line="505" />
      <source>Major hidden dangers open past their deadline (督办)</source>
      <translation>逾期未整改的重大隐患（督办清单）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/xlsx.py" line="513" />
      <source>Method and provenance</source>
      <translation>方法与来源说明</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/xlsx.py" line="515" />
      <source>This report</source>
      <translation>本报告</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/xlsx.py" line="518" />
      <source>Rules recorded for each analysis step</source>
      <translation>各分析步骤记录的规则</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/xlsx.py" line="525" />
      <source>Scoring methods and levels (from the rules)</source>
      <translation>评价方法与分级（取自规则）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/xlsx.py" line="528" />
      <source>Input files</source>
      <translation>输入文件</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/xlsx.py" line="534" />
      <source>Provenance of the rules' values, as the rules file's comments state it</source>
      <translation>规则取值的来源（依据规则文件中的注释）</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/xlsx.py" line="535" />
      <source>verified: read in a published text; literature default: widely cited, not read in the primary source; project default: set by the project, to be confirmed by the bureau.</source>
      <translation>已核实：已在公开发布的文本中查证；文献默认值：被广泛引用，但未查阅原始出处；项目默认值：由本项目设定，有待应急管理局确认。</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/xlsx.py" line="578" />
      <source>Row balance of each imported file</source>
      <translation>各导入文件行数核对</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/xlsx.py" line="436" />
      <source>City safety risk report</source>
      <translation>城市安全风险报告</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/xlsx.py" line="454" />
      <source>Notes</source>
      <translation>说明</translation>
    </message>
    <message>
      <location filename="../plugin/core/reporting/xlsx.py" line="343" />
      <source>Only the first {n} of {total} rows are shown (Excel's limit of rows per sheet).</source>
      <translation>共 {total} 行，仅显示前 {n} 行（受 Excel 单个工作表行数上限限制）。</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="93" />
      <source>Import surveys…</source>
      <translation>导入调查数据…</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="94" />
      <source>Score hazards and units…</source>
      <translation>风险评价…</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="95" />
      <source>Receptors and population around hazards…</source>
      <translation>敏感目标与人口分析…</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="96" />
      <source>Cascade (domino) graph…</source>
      <translation>多米诺连锁效应分析…</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="97" />
      <source>Risk map…</source>
      <translation>风险一张图…</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="98" />
      <source>Export report (Excel and PDF)…</source>
      <translation>导出报告（Excel 和 PDF）…</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="99" />
      <source>Export the risk list (风险清单)…</source>
      <translation>导出风险清单…</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="100" />
      <source>Print risk notice cards (风险告知卡)…</source>
      <translation>打印风险告知卡…</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="137" />
      <source>(no sector)</source>
      <translation>（无行业领域）</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="372" />
      <source>Not run yet</source>
      <translation>尚未运行</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="313" />
      <source>Dynamic risk (现实风险) on {}</source>
      <translation>{} 的现实风险</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="345" />
      <source>Possible accidents</source>
      <translation>可能导致的事故</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="366" />
      <source>No database yet: the import creates it.</source>
      <translation>尚无数据库：导入调查数据时创建。</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="371" />
      <source>Older than the levels (a step ran after it): run it again</source>
      <translation>早于当前风险等级（之后又运行了其他步骤）：请重新运行</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="417" />
      <source>City Safety Risk Map</source>
      <translation>城市安全风险一张图</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="458" />
      <source>GeoPackage (*.gpkg)</source>
      <translation>GeoPackage 数据库 (*.gpkg)</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="461" />
      <source>The risk database (GeoPackage) the steps read and write</source>
      <translation>各步骤读写的风险数据库（GeoPackage）</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="466" />
      <source>Read the database again</source>
      <translation>重新读取数据库</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="507" />
      <source>What the risk map shows between the city and the street, where single units would overlap: hexagonal cells coloured by their level-1 units per km² or by their worst level, or the risk density. Level-1 units show as points at every scale.</source>
      <translation>在全市与街道之间、单个单位会相互重叠的比例尺下，风险一张图显示的内容：按每平方千米重大风险单位数或网格内最高风险等级着色的六边形网格，或风险密度。重大风险单位在任何比例尺下都以点显示。</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="522" />
      <source>Inherent risk (固有风险)</source>
      <translation>固有风险</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="523" />
      <source>Dynamic risk (现实风险)</source>
      <translation>现实风险</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="539" />
      <source>Workflow</source>
      <translation>工作流程</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="540" />
      <source>Level 1 units</source>
      <translation>重大风险单位</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="541" />
      <source>Unit inspector</source>
      <translation>单位详情</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="556" />
      <source>Cancel</source>
      <translation>取消</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="614" />
      <source>The latest change report (citysafety:change_report); the layer round_changes holds every unit's change and its reasons</source>
      <translation>最近一次变化报告（citysafety:change_report）；图层 round_changes 包含每个单位的变化及其原因</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="728" />
      <source>Double-click a unit to zoom to it and select it</source>
      <translation>双击单位可缩放至该单位并选中</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="742" />
      <source>Pick a unit on the map</source>
      <translation>在地图上点选单位</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="751" />
      <source>Click “Pick a unit on the map”, then a unit on the map.</source>
      <translation>点击“在地图上点选单位”，然后在地图上点击一个单位。</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="943" />
      <source>Raised</source>
      <translation>升级</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="955" />
      <source>Units the proximity and cascade upgrades made more severe than their scores (inherent level)</source>
      <translation>因邻近敏感目标升级和多米诺连锁升级，风险等级高于评分所得（固有风险等级）的单位数</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="993" />
      <source>Districts of the risk map (units located in each district's area).</source>
      <translation>风险一张图的行政区（按单位所在位置落入的行政区统计）。</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="995" />
      <source>Districts as surveyed (the units' district field): the risk map has no current district summary.</source>
      <translation>按调查填写的行政区统计（单位的“行政区”字段）：风险一张图没有最新的行政区汇总。</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="996" />
      <source>Each cell: units, and under them their share of the district's units; “8→12”: 8 by the scores, 12 after the upgrades.</source>
      <translation>每格：单位数，下方为占该行政区单位总数的比例；“8→12”：评分所得 8 个，升级后 12 个。</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="998" />
      <source>Each cell: units, and under them their share of the district's units. The levels before the upgrades are not recorded (scored before they were kept).</source>
      <translation>每格：单位数，下方为占该行政区单位总数的比例。未记录升级前的等级（评价时尚未保存）。</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="1140" />
      <source>Cancelling…</source>
      <translation>正在取消…</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="1199" />
      <source>Units (no risk map yet)</source>
      <translation>单位（尚未生成风险一张图）</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="117" />
      <source>Level {}</source>
      <translation>{}级风险</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="266" />
      <source>Upgrade</source>
      <translation>升级</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="267" />
      <source>Cascade</source>
      <translation>连锁</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="318" />
      <source>as the inherent level: nothing raises it</source>
      <translation>与固有风险等级相同：没有提升因素</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="375" />
      <source>{} units, {} hazard sources, {} errors</source>
      <translation>单位 {} 个，危险源 {} 个，错误 {} 个</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="500" />
      <source>Aggregation</source>
      <translation>聚合显示</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="503" />
      <source>Level-1 units per km² of each cell</source>
      <translation>网格重大风险单位密度（个/平方千米）</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="504" />
      <source>Worst level per cell</source>
      <translation>网格最高风险等级</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="505" />
      <source>Risk density raster</source>
      <translation>风险密度栅格</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="519" />
      <source>Risk shown</source>
      <translation>显示的风险</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="585" />
      <source>Inherent risk: the levels of the methods with the proximity and cascade upgrades. Dynamic risk: raised by open hidden dangers, recent accidents and missing controls on the assessment day.</source>
      <translation>固有风险：评价方法给出的等级，含周边敏感目标和连锁效应的升级。现实风险：在评估日期，因未整改的隐患、近期事故和管控缺失而提升的等级。</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="587" />
      <source>No dynamic levels yet: run “Dynamic risk (现实风险)…” (after importing the hidden dangers) to compute them.</source>
      <translation>尚无现实风险等级：请（在导入隐患之后）运行“现实风险…”进行计算。</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="655" />
      <source>Open the Processing dialog with this database filled in</source>
      <translation>打开处理工具对话框并填入本数据库</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="723" />
      <source>Name</source>
      <translation>名称</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="723" />
      <source>Code</source>
      <translation>编码</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="723" />
      <source>Score</source>
      <translation>分值</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="807" />
      <source>Reading the risk database</source>
      <translation>正在读取风险数据库</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="839" />
      <source>Reading the risk database…</source>
      <translation>正在读取风险数据库…</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="923" />
      <source>All sectors</source>
      <translation>全部行业领域</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="990" />
      <source>No districts yet (the database is not scored, or its units name no district).</source>
      <translation>暂无行政区统计（数据库尚未评价，或单位未填写行政区）。</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="216" />
      <source>unscored</source>
      <translation>未评级</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="235" />
      <source>R = {}</source>
      <translation>R = {}</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="239" />
      <source>{} hazard sources</source>
      <translation>危险源 {} 个</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="272" />
      <source>{} receptors within {} m</source>
      <translation>敏感目标 {} 个（{} 米范围内）</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="369" />
      <source>Needs: {}</source>
      <translation>需先运行：{}</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="378" />
      <source>Level 1: {} · 2: {} · 3: {} · 4: {} · unscored: {}; {} major hazard units</source>
      <translation>1级 {} · 2级 {} · 3级 {} · 4级 {} · 未评级 {}；重大危险源单位 {} 个</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="401" />
      <source>ran {}</source>
      <translation>运行于 {}</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="659" />
      <source>Run</source>
      <translation>运行</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="661" />
      <source>Run this step now on the database with the default settings, in the background</source>
      <translation>立即以默认设置在后台对本数据库运行此步骤</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="874" />
      <source>Done</source>
      <translation>已完成</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="901" />
      <source>Units without a level: {}</source>
      <translation>未评级单位：{}</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="982" />
      <source>Not recorded: the database was scored before inherent levels were kept</source>
      <translation>未记录：该数据库评价时尚未保存固有风险等级</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="1036" />
      <source>No level-1 units (or the database is not scored yet).</source>
      <translation>没有重大风险单位（或数据库尚未评价）。</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="1092" />
      <source>Running: {}</source>
      <translation>正在运行：{}</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="1154" />
      <source>{}: finished</source>
      <translation>{}：已完成</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="237" />
      <source>major hazard source</source>
      <translation>重大危险源</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="243" />
      <source>Level reasons</source>
      <translation>定级依据</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="257" />
      <source>{} t</source>
      <translation>{} t</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="259" />
      <source>method: {}</source>
      <translation>方法：{}</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="292" />
      <source>None recorded (or the proximity step has not run).</source>
      <translation>无记录（或尚未运行敏感目标与人口分析）。</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="304" />
      <source>None starting at this unit (or the cascade step has not run).</source>
      <translation>没有从本单位开始的连锁链（或尚未运行多米诺连锁效应分析）。</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="317" />
      <source>raised {} level(s) from the inherent level</source>
      <translation>比固有风险提升 {} 级</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="334" />
      <source>Responsible people (包保责任人)</source>
      <translation>包保责任人</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="382" />
      <source>{} receptor links, {} hazard sources upgraded</source>
      <translation>危险源-敏感目标连线 {} 条，升级危险源 {} 个</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="890" />
      <source>Cannot read the database: {}</source>
      <translation>无法读取数据库：{}</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="898" />
      <source>Level {}: {} units</source>
      <translation>{}级风险：{} 个单位</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="949" />
      <source>{}: units, and under them their share of the district's units; “8→12”: 8 by the scores (inherent level), 12 after the proximity and cascade upgrades</source>
      <translation>{}：单位数，下方为占该行政区单位总数的比例；“8→12”：评分所得 8 个（固有风险等级），经邻近敏感目标升级和多米诺连锁升级后 12 个</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="960" />
      <source>{}: {} units, {} unscored</source>
      <translation>{}：{} 个单位，其中 {} 个未评级</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="967" />
      <source>{} · {}: {} units, {} of the district's units</source>
      <translation>{} · {}：{} 个单位，占该行政区单位总数的 {}</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="1030" />
      <source>{} level-1 units; the first {} by method and score are listed.</source>
      <translation>重大风险单位 {} 个；按评价方法和分值列出前 {} 个。</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="1157" />
      <source>{}: cancelled; the database was left as it was</source>
      <translation>{}：已取消，数据库保持不变</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="248" />
      <source>Hazard sources ({})</source>
      <translation>危险源（{}）</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="274" />
      <source>nearest high-sensitivity: {} at {} m</source>
      <translation>最近的高敏感目标：{}，距离 {} 米</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="280" />
      <source>Nearby receptors ({})</source>
      <translation>周边敏感目标（{}）</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="295" />
      <source>Cascade chains ({})</source>
      <translation>连锁链（{}）</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="385" />
      <source>{} escalation edges, {} chains, {} upgraded</source>
      <translation>连锁关系 {} 条，连锁链 {} 条，升级 {} 个</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="395" />
      <source>Written</source>
      <translation>已生成</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="582" />
      <source>Dynamic risk (现实风险), {}</source>
      <translation>现实风险（{}）</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="612" />
      <source>Survey rounds</source>
      <translation>调查轮次</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="882" />
      <source>The algorithm {} is not available</source>
      <translation>算法 {} 不可用</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="981" />
      <source>{}: {} units raised by the upgrades</source>
      <translation>{}：{} 个单位因升级提高了风险等级</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="1034" />
      <source>{} level-1 units. Double-click one to zoom to it.</source>
      <translation>重大风险单位 {} 个。双击可缩放至该单位。</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="1161" />
      <source>{}: failed: {}</source>
      <translation>{}：失败：{}</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="1162" />
      <source>{}: failed (see the Processing log)</source>
      <translation>{}：失败（详见处理工具日志）</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="388" />
      <source>{} units on the map, {} districts</source>
      <translation>上图单位 {} 个，行政区 {} 个</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="970" />
      <source>{} by the scores alone (inherent level)</source>
      <translation>仅按评分为 {} 个（固有风险等级）</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="283" />
      <source>Class</source>
      <translation>类别</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="283" />
      <source>Hazard source</source>
      <translation>危险源</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="395" />
      <source>Written: {}</source>
      <translation>已生成：{}</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="1295" />
      <source>Unit {} is not in this database.</source>
      <translation>本数据库中没有单位 {}。</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="390" />
      <source>{} risk points without controls, {} without a responsible person, {} major hazard sources without their responsible people</source>
      <translation>{} 个风险点缺少管控措施，{} 个缺少责任人，{} 个重大危险源缺少包保责任人</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="397" />
      <source>{} risk points</source>
      <translation>{} 个风险点</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="399" />
      <source>{} cards</source>
      <translation>{} 张告知卡</translation>
    </message>
    <message>
      <location filename="../plugin/gui/dock.py" line="1292" />
      <source>Cannot read the unit: {}</source>
      <translation>无法读取单位：{}</translation>
    </message>
    <message>
      <location filename="../plugin/gui/install_dialog.py" line="47" />
      <source>Install Python packages</source>
      <translation>安装 Python 包</translation>
    </message>
    <message>
      <location filename="../plugin/gui/install_dialog.py" line="65" />
      <source>A folder of the plugin's own in the QGIS profile, used after QGIS's own packages: nothing QGIS has (numpy, GDAL, PROJ) is replaced.</source>
      <translation>QGIS 配置文件中插件自己的文件夹，排在 QGIS 自带的包之后：QGIS 已有的包（numpy、GDAL、PROJ）不会被替换。</translation>
    </message>
    <message>
      <location filename="../plugin/gui/install_dialog.py" line="73" />
      <source>a folder or .zip of wheels from `make wheelhouse`</source>
      <translation>由 `make wheelhouse` 生成的 wheel 文件夹或 .zip</translation>
    </message>
    <message>
      <location filename="../plugin/gui/install_dialog.py" line="75" />
      <source>Zip…</source>
      <translation>Zip 文件…</translation>
    </message>
    <message>
      <location filename="../plugin/gui/install_dialog.py" line="77" />
      <source>Folder…</source>
      <translation>文件夹…</translation>
    </message>
    <message>
      <location filename="../plugin/gui/install_dialog.py" line="94" />
      <source>Install</source>
      <translation>安装</translation>
    </message>
    <message>
      <location filename="../plugin/gui/install_dialog.py" line="96" />
      <source>Cancel installation</source>
      <translation>取消安装</translation>
    </message>
    <message>
      <location filename="../plugin/gui/install_dialog.py" line="99" />
      <source>Close</source>
      <translation>关闭</translation>
    </message>
    <message>
      <location filename="../plugin/gui/install_dialog.py" line="117" />
      <source>Wheelhouse zip</source>
      <translation>离线安装包（zip）</translation>
    </message>
    <message>
      <location filename="../plugin/gui/install_dialog.py" line="117" />
      <source>Wheelhouse zip (*.zip)</source>
      <translation>离线安装包 (*.zip)</translation>
    </message>
    <message>
      <location filename="../plugin/gui/install_dialog.py" line="122" />
      <source>Wheelhouse folder</source>
      <translation>离线安装包文件夹</translation>
    </message>
    <message>
      <location filename="../plugin/gui/install_dialog.py" line="70" />
      <source>Offline wheelhouse (empty: download from PyPI):</source>
      <translation>离线安装包（留空：从 PyPI 下载）：</translation>
    </message>
    <message>
      <location filename="../plugin/gui/install_dialog.py" line="111" />
      <source>Every package the plugin needs is present.</source>
      <translation>插件所需的包都已安装。</translation>
    </message>
    <message>
      <location filename="../plugin/gui/install_dialog.py" line="177" />
      <source>Installed. The algorithms are loaded; no restart is needed.</source>
      <translation>安装完成，算法已加载，无需重启。</translation>
    </message>
    <message>
      <location filename="../plugin/gui/install_dialog.py" line="63" />
      <source>Into: {}</source>
      <translation>安装到：{}</translation>
    </message>
    <message>
      <location filename="../plugin/gui/install_dialog.py" line="113" />
      <source>Missing or of another version: {}</source>
      <translation>缺少或版本不符：{}</translation>
    </message>
    <message>
      <location filename="../plugin/plugin.py" line="69" />
      <source>City Safety Risk</source>
      <translation>城市安全风险</translation>
    </message>
    <message>
      <location filename="../plugin/plugin.py" line="86" />
      <source>Start a cascade scenario at a clicked hazard…</source>
      <translation>在地图上点选危险源进行连锁事故推演…</translation>
    </message>
    <message>
      <location filename="../plugin/plugin.py" line="100" />
      <source>Risk map panel</source>
      <translation>风险一张图面板</translation>
    </message>
    <message>
      <location filename="../plugin/plugin.py" line="102" />
      <source>Show or hide the City Safety Risk Map panel</source>
      <translation>显示或隐藏城市安全风险一张图面板</translation>
    </message>
    <message>
      <location filename="../plugin/plugin.py" line="111" />
      <source>Install Python packages…</source>
      <translation>安装 Python 包…</translation>
    </message>
    <message>
      <location filename="../plugin/plugin.py" line="128" />
      <source>Some algorithms could not be loaded; the log (City Safety Risk Map) says why.</source>
      <translation>部分算法无法加载，原因见日志（City Safety Risk Map）。</translation>
    </message>
    <message>
      <location filename="../plugin/plugin.py" line="174" />
      <source>Python packages installed; every algorithm is loaded.</source>
      <translation>Python 包已安装，所有算法均已加载。</translation>
    </message>
    <message>
      <location filename="../plugin/plugin.py" line="77" />
      <source>Not available: Python packages are missing (see the message bar or the log)</source>
      <translation>不可用：缺少 Python 包（见消息栏或日志）</translation>
    </message>
    <message>
      <location filename="../plugin/plugin.py" line="125" />
      <source>{} Python packages are missing ({}): some algorithms are not loaded.</source>
      <translation>缺少 {} 个 Python 包（{}）：部分算法未加载。</translation>
    </message>
    <message>
      <location filename="../plugin/plugin.py" line="187" />
      <source>The panel needs the Python package {}: use “Install Python packages…” in the City Safety Risk menu.</source>
      <translation>面板需要 Python 包 {}：请使用“城市安全风险”菜单中的“安装 Python 包…”。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/base.py" line="208" />
      <source>Survey data</source>
      <translation>调查数据</translation>
    </message>
    <message>
      <location filename="../plugin/processing/base.py" line="257" />
      <source>Risk analysis</source>
      <translation>风险分析</translation>
    </message>
    <message>
      <location filename="../plugin/processing/base.py" line="32" />
      <source>Rules file (default: the plugin's rules)</source>
      <translation>规则文件（默认：插件自带规则）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/base.py" line="234" />
      <source>Cancelled; earlier outputs were left as they were.</source>
      <translation>已取消；之前的输出保持不变。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="32" />
      <source>Cascade (domino) graph</source>
      <translation>多米诺连锁效应分析</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="33" />
      <source>Builds the directed escalation graph over all hazard sources of a scored risk database: each source's accident scenario from its substance (vapour-cloud explosion, pool fire, TNT, none), the distance at which its overpressure or heat radiation falls to each target equipment's threshold, and an edge i → j when j lies within i's escalation distance for j's equipment, with the load at j and the escalation probability from the probit. Candidate pairs come from one spatial-index query. Per source: out- and in-degree, reach in 1, 2 and any number of steps, the most probable chain, betweenness and closeness on −ln P (exact, or sampled with a seed in large clusters — the method is recorded), the cluster and its size. A source that can reach a level-1 source within two steps goes up one level (rules; recorded in the cascade_reason field). Writes cascade_edges (arrows), cascade_chains and the new fields.</source>
      <translation>为已评价风险数据库中的全部危险源构建有向连锁（多米诺）关系图：按物质确定事故情景（蒸气云爆炸、池火、TNT 爆炸或无），计算冲击波超压或热辐射衰减到各类目标设备阈值的距离；当目标位于源对该类设备的连锁距离内时建立边 i → j，记录目标处的荷载和按概率单位（probit）计算的连锁概率。候选对由一次空间索引查询得到。对每个危险源计算出度、入度、1 步/2 步/任意步可达数、最可能的连锁链、基于 −ln P 的介数和接近度（大连锁群采用带种子的抽样并记录方法）、所属连锁群及规模。能在两步内引发一级风险源的危险源升一级（规则；写入 cascade_reason 连锁升级依据字段）。输出 cascade_edges（箭头）、cascade_chains 和新字段。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="81" />
      <source>Cascade scenario from one accident</source>
      <translation>单一事故连锁推演</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="82" />
      <source>Starts an accident at one hazard source (its code; in QGIS also by clicking it on the map with the plugin's scenario tool) and propagates it over the escalation graph: the deterministic set (every source reachable with a chain probability at or above the threshold) and a seeded Monte Carlo run (each round every failed source loads its neighbours, each fails with its probit probability; stop when a round adds none) giving each source's failure frequency. Writes scenario_affected (the sources) and scenario_zone (the union of their effect zones) with the receptors and people inside it. The same seed gives the same answer.</source>
      <translation>从一个危险源（编码；在 QGIS 中也可用插件的推演工具在地图上点选）开始一次事故，并沿连锁关系图传播：确定性集合（连锁链概率不低于阈值的全部危险源），以及带随机数种子的蒙特卡洛模拟（每一轮每个已失效的危险源对邻近目标施加荷载，各目标按概率单位失效；某一轮无新增失效时停止），给出每个危险源的失效频率。输出 scenario_affected（受影响危险源）和 scenario_zone（其影响范围的并集），以及范围内的敏感目标和人口。相同种子给出相同结果。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="65" />
      <source>Graph measures, technical details (method, sizes, seconds):</source>
      <translation>图的度量，技术细节（方法、规模、秒）：</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="46" />
      <source>Open the map layers</source>
      <translation>完成后打开地图图层</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="48" />
      <source>Escalation edges</source>
      <translation>连锁关系数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="49" />
      <source>Hazard sources upgraded</source>
      <translation>升级的危险源数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="50" />
      <source>Largest cluster</source>
      <translation>最大连锁群规模</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="99" />
      <source>Initiating hazard source (code)</source>
      <translation>初始事故危险源（编码）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="101" />
      <source>Chain probability threshold</source>
      <translation>连锁链概率阈值</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="104" />
      <source>Monte Carlo trials</source>
      <translation>蒙特卡洛模拟次数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="106" />
      <source>Random seed</source>
      <translation>随机数种子</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="110" />
      <source>Sources affected</source>
      <translation>受影响的危险源数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="111" />
      <source>People in the effect zone</source>
      <translation>影响范围内人口</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="63" />
      <source>{} escalation edges, largest cluster {} sources, {} sources upgraded.</source>
      <translation>连锁关系 {} 条，最大连锁群 {} 个危险源，升级危险源 {} 个。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/cascade.py" line="126" />
      <source>{} sources affected; {:.0f} people in the effect zone.</source>
      <translation>受影响危险源 {} 个；影响范围内人口 {:.0f} 人。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/change_pdf.py" line="105" />
      <source>District boundaries</source>
      <translation>行政区边界</translation>
    </message>
    <message>
      <location filename="../plugin/processing/change_pdf.py" line="106" />
      <source>Changes between rounds</source>
      <translation>调查轮次变化</translation>
    </message>
    <message>
      <location filename="../plugin/processing/change_pdf.py" line="134" />
      <source>Legend</source>
      <translation>图例</translation>
    </message>
    <message>
      <location filename="../plugin/processing/change_report.py" line="24" />
      <source>Change report (survey rounds)</source>
      <translation>调查轮次变化报告</translation>
    </message>
    <message>
      <location filename="../plugin/processing/change_report.py" line="25" />
      <source>Compares two survey rounds of a risk database (or a round and today's dynamic risk) unit by unit: units new, closed, moved (more than 100 m) and their level up or down, each with its reasons — hazard sources added or gone, quantities changed, receptors within reach changed and, with DYNAMIC, the raises of the dynamic risk. A unit is the same unit by its code, or by its unified social credit code where codes were reissued.

FROM and TO name a round by its id or name (blank FROM: the round before the current one; blank TO: the current survey). The comparison is written as the point layer round_changes (styled by change) and, when asked, an Excel workbook with the counts by change, district, street and sector and the list of every unit that changed, and a PDF page with the map of the changes and the counts by district. Rounds come from citysafety:import_surveys with ROUND = a new round.</source>
      <translation>逐个单位比较风险数据库的两轮调查（或一轮调查与当前的现实风险）：新增、关闭、迁移（超过 100 米）的单位，以及风险等级的升高或降低，并说明原因——危险源的新增或消失、危险物质数量的变化、影响范围内敏感目标的变化，以及（选择 DYNAMIC 时）现实风险的提升因素。同一单位按单位编码识别；编码重新分配时按统一社会信用代码识别。

FROM 和 TO 以轮次编号或名称指定轮次（FROM 留空：当前轮次的上一轮；TO 留空：当前调查）。比较结果写入点图层 round_changes（按变化类型着色），并可导出 Excel 工作簿：按变化类型、行政区、街道和行业领域的统计，以及所有变化单位的清单；并可导出 PDF 页：变化地图及按行政区的统计。调查轮次由 citysafety:import_surveys 的 ROUND = 新一轮调查 产生。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/change_report.py" line="49" />
      <source>Earlier round (id or name; blank: the one before the current)</source>
      <translation>比较基准轮次（编号或名称；留空为当前轮次的上一轮）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/change_report.py" line="51" />
      <source>Later round (id or name; blank: the current survey)</source>
      <translation>比较对象轮次（编号或名称；留空为当前调查）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/change_report.py" line="53" />
      <source>Compare the current dynamic risk (现实风险)</source>
      <translation>比较当前的现实风险</translation>
    </message>
    <message>
      <location filename="../plugin/processing/change_report.py" line="55" />
      <source>Change report workbook</source>
      <translation>变化报告工作簿</translation>
    </message>
    <message>
      <location filename="../plugin/processing/change_report.py" line="58" />
      <source>Change report page (PDF)</source>
      <translation>变化报告页（PDF）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/change_report.py" line="60" />
      <source>Open the changes layer</source>
      <translation>打开变化图层</translation>
    </message>
    <message>
      <location filename="../plugin/processing/change_report.py" line="55" />
      <source>Excel workbook (*.xlsx)</source>
      <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
      <location filename="../plugin/processing/change_report.py" line="58" />
      <source>PDF (*.pdf)</source>
      <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
      <location filename="../plugin/processing/change_report.py" line="94" />
      <source>{} → {}: {}</source>
      <translation>{} → {}：{}</translation>
    </message>
    <message>
      <location filename="../plugin/processing/change_report.py" line="64" />
      <source>Units: {}</source>
      <translation>单位数：{}</translation>
    </message>
    <message>
      <location filename="../plugin/processing/change_report.py" line="82" />
      <source>Change report: {}</source>
      <translation>变化报告：{}</translation>
    </message>
    <message>
      <location filename="../plugin/processing/database.py" line="52" />
      <source>PostgreSQL connection (QGIS's stored connections)</source>
      <translation>PostgreSQL 连接（QGIS 已保存的连接）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/database.py" line="53" />
      <source>…or a postgresql://user@host:port/database URI</source>
      <translation>……或 postgresql://用户@主机:端口/数据库 地址</translation>
    </message>
    <message>
      <location filename="../plugin/processing/database.py" line="55" />
      <source>Schema</source>
      <translation>模式（schema）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/database.py" line="173" />
      <source>…or a shared risk database: PostgreSQL connection</source>
      <translation>…或共享风险库：PostgreSQL 连接</translation>
    </message>
    <message>
      <location filename="../plugin/processing/database.py" line="176" />
      <source>Schema of the shared risk database</source>
      <translation>共享风险库的模式</translation>
    </message>
    <message>
      <location filename="../plugin/processing/database.py" line="226" />
      <source>Shared database version {}: {} written ({} run(s))</source>
      <translation>共享风险库版本 {}：已写入 {}（运行 {} 次）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/dynamic_risk.py" line="35" />
      <source>Computes each unit's dynamic risk level (现实风险) on a day from its inherent level (the field level, which stays as it is): an open major hidden danger (重大隐患), a general hidden danger still open more than overdue_days after its deadline, an accident within accident_months and a level-1/2 hazard source without controls or a responsible person (the risk map's findings) each raise the unit by the levels the rules file's [dynamic] gives, never beyond level 1. No public standard gives these factors: they are the plugin's own design, data in the rules file.

Each unit gets dynamic_level, dynamic_raise, one raise_* field and one reason_* field (Chinese and English, with the count and the telling date) per factor, and dynamic_as_of. The hidden dangers come from citysafety:import_hidden_dangers; scoring again clears these fields, since the inherent level may change.</source>
      <translation>在指定日期，由每个单位的固有风险等级（字段 level，保持不变）计算其现实风险等级：未整改的重大隐患、超过整改期限 overdue_days 天仍未整改的一般隐患、accident_months 个月内发生的事故，以及缺少管控措施或责任人的一级、二级危险源（风险一张图的管控问题），各按规则文件 [dynamic] 给出的级数提升该单位的等级，最高至一级。这些系数没有公开的国家标准，是本插件自行设计的，写在规则文件中。

每个单位得到 dynamic_level、dynamic_raise，每个因素各一个 raise_* 字段和一个 reason_* 字段（中英文，含数量和关键日期），以及 dynamic_as_of。隐患来自 citysafety:import_hidden_dangers；重新评价会清除这些字段，因为固有等级可能改变。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/dynamic_risk.py" line="54" />
      <source>Assessment day (YYYY-MM-DD; blank: today)</source>
      <translation>评估日期（YYYY-MM-DD；留空为今天）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/dynamic_risk.py" line="59" />
      <source>Units raised</source>
      <translation>等级被提升的单位数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/dynamic_risk.py" line="72" />
      <source>Assessment day: {}; records read: {}</source>
      <translation>评估日期：{}；读取的记录：{}</translation>
    </message>
    <message>
      <location filename="../plugin/processing/dynamic_risk.py" line="58" />
      <source>Units of dynamic level {}</source>
      <translation>现实风险 {} 级单位数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/export_report.py" line="30" />
      <source>Export report</source>
      <translation>导出报告</translation>
    </message>
    <message>
      <location filename="../plugin/processing/export_report.py" line="31" />
      <source>Writes the reports of a scored risk database. The Excel workbook has the sheets 概览 (totals, sector × level matrix in the level colours, a bar chart, districts × levels), 重大风险单位 and 较大风险单位 (every level-1 and level-2 unit with its hazard sources, method numbers, level reasons, nearest sensitive receptors and cascade reach), 敏感目标 (receptors near level-1/2 hazards), 多米诺链 (the most probable chains), 数据质量 (import issues by code and file) and 方法说明 (rules, methods, literature defaults, input files with SHA-256, plugin version, time). Survey text is always stored as text, never as a formula; contact names and phone numbers are masked unless you tick the option. The PDF comes from the print layout template resources/layouts/report.qpt: a cover page with the risk map, legend, scale bar, north arrow, summary table and level counts, then one page per district when the database has a district summary. Earlier report files are replaced only when the new ones are complete.</source>
      <translation>为已评价的风险数据库生成报告。Excel 工作簿包含以下工作表：概览（总体数量、按等级颜色着色的行业领域 × 风险等级矩阵、柱状图、行政区 × 风险等级）；重大风险单位和较大风险单位（每个重大、较大风险单位及其危险源、评价方法数值、定级依据、最近的敏感目标和连锁可达范围）；敏感目标（重大、较大风险危险源周边的敏感目标）；多米诺链（最可能的连锁链）；数据质量（按问题代码和文件统计的导入问题）；方法说明（规则、评价方法、文献默认值、附 SHA-256 的输入文件、插件版本、时间）。调查表中的文字一律按文本存储，不作为公式；除非勾选相应选项，联系人姓名和电话均脱敏显示。PDF 由打印布局模板 resources/layouts/report.qpt 生成：封面页包含风险一张图、图例、比例尺、指北针、汇总表和各等级单位数；数据库含行政区汇总时，每个行政区另附一页。只有新的报告文件完整生成后，才会替换之前的报告文件。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/export_report.py" line="25" />
      <source>City Safety Risk Report</source>
      <translation>城市安全风险报告</translation>
    </message>
    <message>
      <location filename="../plugin/processing/export_report.py" line="51" />
      <source>Report title (default: City Safety Risk Report)</source>
      <translation>报告标题（默认：城市安全风险报告）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/export_report.py" line="53" />
      <source>Show contact names and phone numbers in full (not masked)</source>
      <translation>完整显示联系人姓名和电话（不脱敏）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/export_report.py" line="55" />
      <source>Excel report</source>
      <translation>Excel 报告</translation>
    </message>
    <message>
      <location filename="../plugin/processing/export_report.py" line="57" />
      <source>PDF report</source>
      <translation>PDF 报告</translation>
    </message>
    <message>
      <location filename="../plugin/processing/export_report.py" line="58" />
      <source>PDF pages</source>
      <translation>PDF 页数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/export_report.py" line="68" />
      <source>Choose an Excel report, a PDF report or both.</source>
      <translation>请选择 Excel 报告、PDF 报告或两者。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/export_report.py" line="114" />
      <source>Contact names and phone numbers are shown in full: handle the workbook as personal data.</source>
      <translation>联系人姓名和电话已完整显示：请按个人信息管理该工作簿。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/export_report.py" line="111" />
      <source>Writing {}</source>
      <translation>正在写入 {}</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_hidden_dangers.py" line="28" />
      <source>Import hidden dangers</source>
      <translation>导入隐患</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_hidden_dangers.py" line="29" />
      <source>Imports hidden-danger records (隐患: found by the unit, an inspection or a special campaign) from workbooks (.xlsx) and CSV files into a risk database that holds an imported survey: the tables hidden_dangers, hidden_danger_issues and hidden_danger_imports, replacing an earlier import of them.

Columns (found by their Chinese or English names and aliases on any row): 隐患编号, 单位编码 (required, a unit of the database), 危险源编码, 隐患描述 (required), 隐患等级 (required: 一般隐患 or 重大隐患), 整改状态 (required: 未整改, 整改中, 已整改 or 已销号), 发现日期 (required), 整改期限, 整改完成日期, 隐患来源 and 整改措施.

Every row ends accepted, rejected with its reasons (file, sheet, row, column, value, code, Chinese and English message) or skipped as blank/total, and the balance is checked per file before anything is written. Optionally an error workbook per input file lists the rows to fix.</source>
      <translation>将隐患记录（由单位自查、执法检查或专项检查发现）从工作簿（.xlsx）和 CSV 文件导入已导入调查数据的风险数据库：写入 hidden_dangers、hidden_danger_issues 和 hidden_danger_imports 三张表，替换此前导入的隐患。

列（按中文或英文列名及别名识别，表头可在任意行）：隐患编号、单位编码（必填，须为数据库中的单位）、危险源编码、隐患描述（必填）、隐患等级（必填：一般隐患 或 重大隐患）、整改状态（必填：未整改、整改中、已整改 或 已销号）、发现日期（必填）、整改期限、整改完成日期、隐患来源 和 整改措施。

每一行或被接受，或被拒绝并说明原因（文件、工作表、行、列、原值、代码、中英文说明），或作为空行/合计行跳过；写入前逐个文件核对行数平衡。可选为每个输入文件生成问题清单工作簿，列出需修改的行。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_hidden_dangers.py" line="107" />
      <source>Import accidents</source>
      <translation>导入事故</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_hidden_dangers.py" line="108" />
      <source>Imports accident records (事故记录: production-safety accidents at the survey's units) from workbooks (.xlsx) and CSV files into a risk database that holds an imported survey: the tables accidents, accident_issues and accident_imports, replacing an earlier import of them. They feed the dynamic risk (citysafety:dynamic_risk): an accident within the rules' accident_months raises its unit.

Columns (found by their Chinese or English names and aliases on any row): 事故编号, 单位编码 (required, a unit of the database), 危险源编码, 事故日期 (required), 事故类型 (GB 6441, several allowed), 死亡人数, 重伤人数, 轻伤人数, 直接经济损失（万元）, 事故简况 and 信息来源. Each accident is graded 一般/较大/重大/特别重大 by its toll, as the State Council's Regulations on the Reporting, Investigation and Handling of Production Safety Accidents (Decree 493, Article 3) grade them.

Every row ends accepted, rejected with its reasons or skipped as blank/total, and the balance is checked per file before anything is written. Optionally an error workbook per input file lists the rows to fix.</source>
      <translation>将事故记录（本次调查所涉单位发生的生产安全事故）从工作簿（.xlsx）和 CSV 文件导入已有调查数据的风险数据库：写入 accidents、accident_issues 和 accident_imports 三张表，替换此前导入的同名表。它们是现实风险（citysafety:dynamic_risk）的依据：规则 accident_months 个月内发生的事故会提升所在单位的等级。

列（按中英文名称和别名在任意行识别）：事故编号、单位编码（必填，须为数据库中的单位）、危险源编码、事故日期（必填）、事故类型（GB 6441，可填多个）、死亡人数、重伤人数、轻伤人数、直接经济损失（万元）、事故简况和信息来源。每起事故按其伤亡和损失，依《生产安全事故报告和调查处理条例》（国务院令第 493 号）第三条分为一般、较大、重大、特别重大事故。

每一行或被接受，或被拒绝并说明原因，或作为空行/合计行跳过；写入之前逐个文件校验行数平衡。可选地为每个有问题的输入文件生成一份错误工作簿，列出需要修改的行。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_hidden_dangers.py" line="49" />
      <source>Hidden-danger files (.xlsx, .csv)</source>
      <translation>隐患数据文件（.xlsx、.csv）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_hidden_dangers.py" line="123" />
      <source>Accident files (.xlsx, .csv)</source>
      <translation>事故数据文件（.xlsx、.csv）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_hidden_dangers.py" line="56" />
      <source>Hidden dangers accepted</source>
      <translation>导入的隐患数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_hidden_dangers.py" line="56" />
      <source>Major hidden dangers accepted</source>
      <translation>导入的重大隐患数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_hidden_dangers.py" line="67" />
      <source>Error workbooks for the surveyors (folder)</source>
      <translation>返给调查员的问题清单工作簿（文件夹）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_hidden_dangers.py" line="73" />
      <source>Files refused</source>
      <translation>拒绝的文件数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_hidden_dangers.py" line="129" />
      <source>Accidents accepted</source>
      <translation>接受的事故数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_hidden_dangers.py" line="129" />
      <source>Deaths in the accidents accepted</source>
      <translation>接受的事故中的死亡人数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_hidden_dangers.py" line="94" />
      <source>e.g.</source>
      <translation>例如</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="89" />
      <source>Import surveys</source>
      <translation>导入调查数据</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="90" />
      <source>Imports survey workbooks (.xlsx) and CSV files (UTF-8, UTF-8 with BOM, GB18030) into one risk database (GeoPackage) with the layers units, hazards, import_issues and import_runs.

Headers are found by their Chinese or English names and aliases on any row; both the template's two-sheet layout and a flat one-sheet layout are read. Full-width digits, units in cells (kg are converted to t), Excel and Chinese dates, degrees-minutes-seconds, swapped lon/lat, total rows and blank rows are handled. GCJ-02 and BD-09 coordinates are converted to WGS84.

Every row ends in exactly one place: accepted, rejected with its reasons in import_issues (file, sheet, row, column, value, code, Chinese and English message), or skipped as blank/total and counted. The database is written to a temporary file and moved into place, so a failure or cancel keeps an earlier one. Optionally an error workbook per input file lists the rows to fix.

Rounds: by default the output is a new database. ROUND 1 starts a new survey round in an existing database (its survey archived with its levels and files, this import in its place); ROUND 2 replaces only the units of DISTRICT and their hazard sources in the current round, every other row left as it was. Both keep the hidden dangers, accidents and rounds, and remove the layers derived from the survey (run the chain again). ROUND_NAME and ROUND_DATE (YYYY-MM-DD, blank: today) name the round.</source>
      <translation>将调查表工作簿（.xlsx）和 CSV 文件（UTF-8、带 BOM 的 UTF-8、GB18030）导入一个风险数据库（GeoPackage），包含图层 units（单位）、hazards（危险源）、import_issues（导入问题）和 import_runs（导入记录）。

按中文或英文列名及别名在任意行识别表头；支持模板的双工作表格式和单表平铺格式。可正确读取全角数字、单元格内的计量单位（千克换算为吨）、Excel 日期和中文日期、度分秒坐标、经纬度填反、合计行和空行。GCJ-02 和 BD-09 坐标转换为 WGS84。

每一行都有唯一去向：接受；或被拒绝并在 import_issues 中列明原因（文件、工作表、行、列、原值、问题代码、中英文说明）；或作为空行/合计行跳过并计数。数据库先写入临时文件再替换，失败或取消不会破坏之前的数据库。可选为每个输入文件生成问题清单工作簿，供调查员修改。

调查轮次：默认输出为新的数据库。ROUND 为 1 时在已有数据库中开始新一轮调查（原调查连同其风险等级和文件归档，本次导入取而代之）；ROUND 为 2 时只替换当前轮次中 DISTRICT 行政区的单位及其危险源，其他各行保持不变。两者都保留隐患、事故和调查轮次，并删除由调查派生的图层（需重新运行各步骤）。ROUND_NAME 和 ROUND_DATE（YYYY-MM-DD，留空为今天）为轮次命名。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="55" />
      <source>Survey files (.xlsx, .csv)</source>
      <translation>调查表文件（.xlsx、.csv）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="57" />
      <source>Or every survey file in a folder</source>
      <translation>或导入文件夹中的全部调查表</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="60" />
      <source>Coordinate system of rows that do not name one</source>
      <translation>未填写坐标系的行采用的坐标系</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="64" />
      <source>Survey area (points outside it are warned)</source>
      <translation>调查区域范围（范围外的点给出警告）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="360" />
      <source>Rows read = accepted + rejected + skipped (blank / total), per file:</source>
      <translation>各文件：读取行数 = 接受 + 拒绝 + 跳过（空行 / 合计行）：</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="133" />
      <source>Open the imported layers</source>
      <translation>完成后打开导入的图层</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="134" />
      <source>Survey round</source>
      <translation>调查轮次</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="137" />
      <source>Round name</source>
      <translation>轮次名称</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="139" />
      <source>Round date (YYYY-MM-DD; blank: today)</source>
      <translation>调查日期（YYYY-MM-DD；留空为今天）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="141" />
      <source>District updated (its name as the survey writes it)</source>
      <translation>更新的行政区（按调查表中的写法）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="143" />
      <source>Units accepted</source>
      <translation>导入单位数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="143" />
      <source>Hazard sources accepted</source>
      <translation>导入危险源数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="82" />
      <source>Error workbook: {}</source>
      <translation>问题清单：{}</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="274" />
      <source>Row balance check failed; please report this.</source>
      <translation>行数核对未通过，请报告此问题。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="368" />
      <source>Total: {} rows read, {} accepted, {} rejected, {} blank, {} total rows; {} units and {} hazard sources imported.</source>
      <translation>合计：读取 {} 行，接受 {} 行，拒绝 {} 行，空行 {} 行，合计行 {} 行；导入单位 {} 个、危险源 {} 个。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="135" />
      <source>A new database</source>
      <translation>新建数据库</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="135" />
      <source>A new round in the database</source>
      <translation>在数据库中开始新一轮调查</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="136" />
      <source>Update one district of the current round</source>
      <translation>更新当前轮次中的一个行政区</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="240" />
      <source>Shared database version {}</source>
      <translation>共享库版本 {}</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="285" />
      <source>Round {} ({}, {}) started; round {} archived with {} units</source>
      <translation>第 {} 轮（{}，{}）已开始；第 {} 轮已归档，共 {} 个单位</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="224" />
      <source>{}: {} units and {} hazard sources replaced by {} and {}; shared version {}</source>
      <translation>{}：{} 个单位和 {} 个危险源被替换为 {} 个和 {} 个；共享库版本 {}</translation>
    </message>
    <message>
      <location filename="../plugin/processing/import_surveys.py" line="291" />
      <source>{}: {} units of round {} replaced</source>
      <translation>{}：{} 个单位已替换（第 {} 轮）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/install_packages.py" line="24" />
      <source>Installs the Python packages the plugin needs (requirements.txt: ranges) with the Python QGIS runs, into a folder of the plugin's own in the QGIS profile (python/dependencies/city_safety_risk_map), which is put on Python's path after QGIS's own packages. Packages QGIS already has, numpy first of all, are never replaced: pip is constrained to the versions QGIS's Python has. Offline (an intranet): give a wheelhouse folder or zip built by `make wheelhouse PLATFORM=… PYTHON=…`. Restart QGIS afterwards, or use the plugin's own Install action, which loads the algorithms at once.</source>
      <translation>用 QGIS 自身的 Python 安装插件所需的 Python 包（requirements.txt 中的版本范围），装入 QGIS 配置文件中插件专用的文件夹（python/dependencies/city_safety_risk_map），该文件夹排在 QGIS 自带的包之后。QGIS 已有的包（首先是 numpy）绝不会被替换：pip 被约束为 QGIS 的 Python 已有的版本。离线（内网）：提供由 `make wheelhouse PLATFORM=… PYTHON=…` 生成的离线安装包文件夹或 zip。安装后请重启 QGIS，或使用插件自己的“安装 Python 包”操作，算法会立即加载。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/install_packages.py" line="35" />
      <source>Setup</source>
      <translation>设置</translation>
    </message>
    <message>
      <location filename="../plugin/processing/install_packages.py" line="42" />
      <source>Offline wheelhouse (folder or .zip; empty: download from PyPI)</source>
      <translation>离线安装包（文件夹或 .zip；留空：从 PyPI 下载）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/install_packages.py" line="44" />
      <source>Package folder</source>
      <translation>包文件夹</translation>
    </message>
    <message>
      <location filename="../plugin/processing/install_packages.py" line="45" />
      <source>Packages still missing</source>
      <translation>仍缺少的包</translation>
    </message>
    <message>
      <location filename="../plugin/processing/install_packages.py" line="61" />
      <source>Nothing to install: every package the plugin needs is present.</source>
      <translation>无需安装：插件所需的包都已安装。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/install_packages.py" line="63" />
      <source>Installed into {}. Restart QGIS (or qgis_process) to load the algorithms.</source>
      <translation>已安装到 {}。请重启 QGIS（或 qgis_process）以加载算法。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/install_packages.py" line="66" />
      <source>Still missing or of another version: {}</source>
      <translation>仍缺少或版本不符：{}</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="228" />
      <source>Print risk notice cards</source>
      <translation>打印风险告知卡</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="229" />
      <source>Prints 风险告知卡 (risk notice cards) from a scored risk database: one A4 card per unit, or per hazard source, from the print layout template resources/layouts/notice_card.qpt through QGIS's atlas. Each card shows the unit's name and code, its level's colour band and name, each risk point with the accident types it can lead to (GB 6441) and the matching GB 2894 warning signs (当心火灾, 当心爆炸, 当心中毒, 当心触电 …), the controls and the emergency measures, who answers for it (the responsible people and, for a major hazard source, its 包保责任人), the supervising department, the unit's duty phone and the numbers 119, 120 and 12350, a locator map and a QR code of the unit code. Choose the units by a layer (for example the risk map with a selection: tick 'Selected features only'), or by districts and risk levels (default: every level-1 and level-2 unit). Write one PDF, or one PDF per card in a folder (named by the unit or hazard source code), or both. The responsible people's phones are masked unless you tick the option. Earlier files are replaced only when the new ones are complete.</source>
      <translation>从已评价的风险数据库打印风险告知卡：按单位或按危险源每张一页 A4，由打印布局模板 resources/layouts/notice_card.qpt 经 QGIS 图集生成。每张告知卡包括单位名称和编码、风险等级色带和名称、各风险点及其可能导致的事故类型（GB 6441）和相应的 GB 2894 警告标志（当心火灾、当心爆炸、当心中毒、当心触电……）、管控措施和应急处置措施、管控责任人（重大危险源另列包保责任人）、监管部门、单位值班电话及 119、120、12350，以及位置图和单位编码二维码。可按图层选择单位（如风险一张图中选中的要素，勾选“仅选中要素”），或按行政区和风险等级选择（默认全部重大、较大风险单位）。可输出一个 PDF，或在文件夹中每张一个 PDF（以单位或危险源编码命名），或两者都输出。责任人电话默认脱敏，勾选选项后完整显示。新文件完整写出后才替换原有文件。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="91" />
      <source>Safety risk notice card</source>
      <translation>安全风险告知卡</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="94" />
      <source>Risk points and the accidents they can lead to</source>
      <translation>风险点及可能导致的事故</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="95" />
      <source>Warning signs</source>
      <translation>安全警示标志</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="96" />
      <source>Controls</source>
      <translation>管控措施</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="97" />
      <source>Emergency measures</source>
      <translation>应急处置措施</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="98" />
      <source>Location (1:10,000)</source>
      <translation>位置（1:10,000）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="99" />
      <source>Who answers</source>
      <translation>管控责任人</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="100" />
      <source>Supervision and numbers to call</source>
      <translation>监管部门与应急电话</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="119" />
      <source>Risk units by level</source>
      <translation>风险单位（按等级）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="130" />
      <source>Safety risk notice cards</source>
      <translation>风险告知卡</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="93" />
      <source>District and street</source>
      <translation>所在区、街道</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="131" />
      <source>Source: {}  ·  Rules: {}  ·  {}</source>
      <translation>数据来源：{}  ·  规则：{}  ·  {}</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="253" />
      <source>Units to print (a layer with unit_code, e.g. the risk map's selection; optional)</source>
      <translation>要打印的单位（含 unit_code 的图层，如风险一张图中选中的要素；可选）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="256" />
      <source>Districts (the units' district names, separated by commas; empty: all)</source>
      <translation>行政区（单位填报的所属区，多个用逗号分隔；留空为全部）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="259" />
      <source>Risk levels</source>
      <translation>风险等级</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="262" />
      <source>One card per</source>
      <translation>每张告知卡对应</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="264" />
      <source>Show the responsible people's phone numbers in full (not masked)</source>
      <translation>完整显示责任人电话（不脱敏）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="267" />
      <source>Notice cards (one PDF)</source>
      <translation>风险告知卡（一个 PDF）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="269" />
      <source>Notice cards (one PDF per card, in this folder)</source>
      <translation>风险告知卡（每张一个 PDF，存入此文件夹）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="271" />
      <source>Cards printed</source>
      <translation>打印的告知卡数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="273" />
      <source>Notice cards folder</source>
      <translation>风险告知卡文件夹</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="299" />
      <source>Choose a PDF, a folder for one PDF per card, or both.</source>
      <translation>请选择一个 PDF 文件、一个存放单张 PDF 的文件夹，或两者都选。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="310" />
      <source>No unit matches the choice: no card to print.</source>
      <translation>没有符合选择的单位，无告知卡可打印。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="318" />
      <source>{} notice cards printed</source>
      <translation>已打印 {} 张风险告知卡</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="262" />
      <source>unit</source>
      <translation>单位</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="262" />
      <source>hazard source</source>
      <translation>危险源</translation>
    </message>
    <message>
      <location filename="../plugin/processing/notice_cards.py" line="311" />
      <source>{} units, {} hazard sources</source>
      <translation>{} 个单位，{} 个危险源</translation>
    </message>
    <message>
      <location filename="../plugin/processing/postgis.py" line="28" />
      <source>Export the risk database to PostGIS</source>
      <translation>导出风险数据库到 PostGIS</translation>
    </message>
    <message>
      <location filename="../plugin/processing/postgis.py" line="29" />
      <source>Writes a risk database (GeoPackage) into a schema of a PostgreSQL/PostGIS database: every layer as a table of the same name, columns and values, geometries as typed PostGIS columns with GiST indexes. The database is a QGIS stored PostgreSQL connection or a postgresql://user@host:port/database URI. The schema is built under a staging name and swapped in within one transaction, so a failure or a cancel leaves an earlier risk database in that schema as it was; a schema that exists and is not a risk database is refused, never dropped. A shared database that changed since this file was taken from it (a district office published, another analyst exported), or that this file was never taken from, is refused rather than overwritten, unless REPLACE. With STYLES, the plugin's styles and Chinese field aliases are saved as each layer's default in the database's layer_styles table, so any QGIS connected to the database draws the styled risk map without the plugin.</source>
      <translation>把风险数据库（GeoPackage）写入 PostgreSQL/PostGIS 数据库的一个模式：每个图层成为同名、同字段、同取值的表，几何为带类型的 PostGIS 列并建 GiST 索引。数据库可用 QGIS 已保存的 PostgreSQL 连接，或 postgresql://用户@主机:端口/数据库 地址。新模式先以临时名建成，再在同一事务内替换，因此失败或取消时该模式中原有的风险数据库保持不变；已存在但不是风险数据库的模式会被拒绝，绝不删除。若共享库在本文件取出后已有改动（某区已发布、其他分析人员已导出），或本文件并非从该库取出，则拒绝覆盖，除非勾选 REPLACE。勾选 STYLES 时，插件的样式和中文字段别名作为各图层的默认样式存入数据库的 layer_styles 表，任何连接该数据库的 QGIS 无需插件即可显示带样式的风险一张图。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/postgis.py" line="87" />
      <source>Import the risk database from PostGIS</source>
      <translation>从 PostGIS 导入风险数据库</translation>
    </message>
    <message>
      <location filename="../plugin/processing/postgis.py" line="88" />
      <source>Writes the risk database in a schema of a PostgreSQL/PostGIS database (written by citysafety:export_to_postgis) into a new GeoPackage: the same layers, field types, values and geometries, with spatial indexes and Chinese aliases, ready for every step of the plugin. The file is built under a temporary name and moved into place when complete; a file there that is not a risk database is refused.</source>
      <translation>把 PostgreSQL/PostGIS 数据库某一模式中的风险数据库（由 citysafety:export_to_postgis 写入）写成新的 GeoPackage：图层、字段类型、取值和几何不变，带空间索引和中文别名，可直接用于插件的每一步。文件先以临时名写成，完成后再移到目标位置；目标处已有且不是风险数据库的文件会被拒绝。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/postgis.py" line="120" />
      <source>Publish a district to the shared database</source>
      <translation>发布本区数据到共享库</translation>
    </message>
    <message>
      <location filename="../plugin/processing/postgis.py" line="121" />
      <source>A district office's step: replaces one district's survey rows (its units and their hazard sources) in the shared PostGIS risk database with those of its own risk database (its import of its own workbooks), in one transaction; every other district's rows stay as they were. District offices can publish at the same time; a whole-database export waits for them, and an export of a file taken before a publish is refused until the chain runs again on a fresh copy. The file must hold this district's units only, and a unit code the shared database holds in another district is refused. With the role model (docs/postgis.md), a district office may publish its own districts only.</source>
      <translation>区级用户的步骤：在同一事务内，用本区自己的风险数据库（由本区调查表导入）替换共享 PostGIS 风险库中本区的调查数据（单位及其危险源），其他各区的数据保持不变。各区可以同时发布；整库导出会等待它们完成，而发布之前取出的文件再导出会被拒绝，需重新取出并运行全流程。文件中只能有本区的单位；单位编码在共享库中属于其他区的会被拒绝。启用角色模型（docs/postgis.md）后，区级用户只能发布本区数据。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/postgis.py" line="49" />
      <source>Save the styles in the database (layer_styles)</source>
      <translation>将样式保存到数据库（layer_styles）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/postgis.py" line="51" />
      <source>Replace the shared database even if it changed since this file was taken from it</source>
      <translation>即使共享库在本文件取出后已有改动，也覆盖它</translation>
    </message>
    <message>
      <location filename="../plugin/processing/postgis.py" line="54" />
      <source>Version of the shared database</source>
      <translation>共享库版本</translation>
    </message>
    <message>
      <location filename="../plugin/processing/postgis.py" line="55" />
      <source>Layers written</source>
      <translation>写入的图层数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/postgis.py" line="56" />
      <source>Rows written</source>
      <translation>写入的行数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/postgis.py" line="57" />
      <source>Styles saved</source>
      <translation>保存的样式数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/postgis.py" line="99" />
      <source>Risk database (GeoPackage)</source>
      <translation>风险数据库（GeoPackage）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/postgis.py" line="138" />
      <source>Units written</source>
      <translation>写入的单位数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/postgis.py" line="139" />
      <source>Hazard sources written</source>
      <translation>写入的危险源数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/postgis.py" line="140" />
      <source>Units replaced</source>
      <translation>被替换的单位数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/provider.py" line="75" />
      <source>City Safety Risk Map (城市安全风险一张图)</source>
      <translation>城市安全风险一张图 (City Safety Risk Map)</translation>
    </message>
    <message>
      <location filename="../plugin/processing/provider.py" line="20" />
      <source>Survey template…</source>
      <translation>调查表模板…</translation>
    </message>
    <message>
      <location filename="../plugin/processing/provider.py" line="22" />
      <source>Import hidden dangers (隐患)…</source>
      <translation>导入隐患…</translation>
    </message>
    <message>
      <location filename="../plugin/processing/provider.py" line="23" />
      <source>Import accidents (事故)…</source>
      <translation>导入事故…</translation>
    </message>
    <message>
      <location filename="../plugin/processing/provider.py" line="27" />
      <source>Cascade scenario from one accident…</source>
      <translation>单一事故连锁推演…</translation>
    </message>
    <message>
      <location filename="../plugin/processing/provider.py" line="29" />
      <source>Dynamic risk (现实风险)…</source>
      <translation>现实风险…</translation>
    </message>
    <message>
      <location filename="../plugin/processing/provider.py" line="30" />
      <source>Change report (survey rounds)…</source>
      <translation>调查轮次变化报告…</translation>
    </message>
    <message>
      <location filename="../plugin/processing/provider.py" line="34" />
      <source>Run the whole chain…</source>
      <translation>一键运行全流程…</translation>
    </message>
    <message>
      <location filename="../plugin/processing/provider.py" line="35" />
      <source>Export the risk database to PostGIS…</source>
      <translation>导出风险数据库到 PostGIS…</translation>
    </message>
    <message>
      <location filename="../plugin/processing/provider.py" line="36" />
      <source>Import the risk database from PostGIS…</source>
      <translation>从 PostGIS 导入风险数据库…</translation>
    </message>
    <message>
      <location filename="../plugin/processing/provider.py" line="37" />
      <source>Publish a district to the shared database…</source>
      <translation>发布本区数据到共享库…</translation>
    </message>
    <message>
      <location filename="../plugin/processing/proximity.py" line="103" />
      <source>Receptors and population around hazards</source>
      <translation>敏感目标与人口分析</translation>
    </message>
    <message>
      <location filename="../plugin/processing/proximity.py" line="104" />
      <source>For every hazard source of a scored risk database: receptors of each class within its reach radius (the sector's, from the rules; polygons by their nearest edge), the nearest high-sensitivity receptor (name, class, distance), a flag when it lies within the sector's protection distance, and the population within 500 m and within the reach from a population raster (people per cell, any CRS; cells cut by the circle count by their share of area). For GB 18218 units α comes from the raster population within 500 m of the unit (alpha_source = raster) and R and the level are recomputed. The rules' upgrades (by default a hazardous-chemicals or gas hazard source of level 2 with a high-sensitivity receptor within its protection distance becomes level 1, level 3 becomes 2; the rules can widen the distance to the reach and the sectors to all) are recorded in level_reasons; units keep their inherent_level. Writes hazard_receptor_links (lines from hazards to the receptors within reach) and proximity_issues (unknown receptor classes).</source>
      <translation>对已评价风险数据库中的每个危险源：统计其影响半径（规则中的行业默认半径；面状目标按最近边界计）内各类敏感目标的数量，最近的高敏感目标（名称、类别、距离），高敏感目标位于行业防护距离内时给出标记，并由人口栅格（每格人数，任意坐标系；被圆切割的网格按面积占比计）统计 500 米和影响半径内的人口。GB 18218 单位的 α 由单位 500 米内的栅格人口确定（alpha_source = raster），并重算 R 和等级。按规则升级（默认：危险化学品和燃气行业的危险源在防护距离内有高敏感目标时，较大风险升为重大，一般风险升为较大；规则可将距离放宽为影响半径、将行业放宽为全部），并写入定级依据；单位保留其固有风险等级（inherent_level）。输出 hazard_receptor_links（危险源到影响半径内敏感目标的连线）和 proximity_issues（未知的敏感目标类别）。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/proximity.py" line="29" />
      <source>Receptors (points or polygons)</source>
      <translation>敏感目标（点或面图层）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/proximity.py" line="39" />
      <source>Or receptors as a table with lon/lat (.xlsx, .csv)</source>
      <translation>或带经纬度的敏感目标表格（.xlsx、.csv）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/proximity.py" line="42" />
      <source>Population raster (people per cell, any CRS)</source>
      <translation>人口栅格（每格人数，任意坐标系）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/proximity.py" line="33" />
      <source>Receptor name field (guessed when empty)</source>
      <translation>敏感目标名称字段（空白时自动识别）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/proximity.py" line="36" />
      <source>Receptor class field (guessed when empty)</source>
      <translation>敏感目标类别字段（空白时自动识别）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/proximity.py" line="131" />
      <source>Protection distance breaches</source>
      <translation>防护距离内有高敏感目标的危险源数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/proximity.py" line="132" />
      <source>Hazard-receptor links</source>
      <translation>危险源-敏感目标连线数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/proximity.py" line="139" />
      <source>Give receptors, a population raster, or both.</source>
      <translation>请提供敏感目标、人口栅格或两者。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/proximity.py" line="147" />
      <source>{} hazard sources upgraded, {} protection distance breaches, {} links.</source>
      <translation>升级危险源 {} 个，防护距离内有高敏感目标 {} 处，连线 {} 条。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/report_pdf.py" line="699" />
      <source>No level-1 or level-2 units</source>
      <translation>没有重大或较大风险单位</translation>
    </message>
    <message>
      <location filename="../plugin/processing/report_pdf.py" line="727" />
      <source>Level-1 and level-2 units</source>
      <translation>一级和二级风险单位</translation>
    </message>
    <message>
      <location filename="../plugin/processing/report_pdf.py" line="824" />
      <source>City Safety Risk Map report</source>
      <translation>城市安全风险一张图报告</translation>
    </message>
    <message>
      <location filename="../plugin/processing/report_pdf.py" line="873" />
      <source>Units by sector and risk level</source>
      <translation>各行业领域单位风险等级</translation>
    </message>
    <message>
      <location filename="../plugin/processing/report_pdf.py" line="461" />
      <source>Who answers: {} risk points without controls, {} without a responsible person; {} of {} major hazard sources without their three responsible people (包保责任人).</source>
      <translation>管控责任：{} 个风险点缺少管控措施，{} 个缺少责任人；{} 个重大危险源（共 {} 个）缺少包保责任人。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/report_pdf.py" line="561" />
      <source>Level-1 and level-2 units in {}: {}</source>
      <translation>{}重大、较大风险单位：{} 个</translation>
    </message>
    <message>
      <location filename="../plugin/processing/report_pdf.py" line="616" />
      <source>Final</source>
      <translation>最终</translation>
    </message>
    <message>
      <location filename="../plugin/processing/report_pdf.py" line="617" />
      <source>Share</source>
      <translation>占比</translation>
    </message>
    <message>
      <location filename="../plugin/processing/report_pdf.py" line="671" />
      <source>R</source>
      <translation>R</translation>
    </message>
    <message>
      <location filename="../plugin/processing/report_pdf.py" line="529" />
      <source>(no district name)</source>
      <translation>（未命名行政区）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/report_pdf.py" line="547" />
      <source>No district boundaries were given: the page covers the units surveyed in the district, and the map their extent.</source>
      <translation>未提供行政区边界：本页按单位填报的行政区统计，地图显示这些单位的范围。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/report_pdf.py" line="865" />
      <source>Units by risk level</source>
      <translation>各风险等级单位数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/report_pdf.py" line="870" />
      <source>Date: {}</source>
      <translation>日期：{}</translation>
    </message>
    <message>
      <location filename="../plugin/processing/report_pdf.py" line="872" />
      <source>Source: {}  ·  Rules: {}</source>
      <translation>数据来源：{}  ·  规则：{}</translation>
    </message>
    <message>
      <location filename="../plugin/processing/report_pdf.py" line="563" />
      <source>(the first {} shown)</source>
      <translation>（显示前 {} 个）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/report_pdf.py" line="566" />
      <source>The map shows the risk density and the level-1 and level-2 units only: {} of {} units.</source>
      <translation>地图仅显示风险密度和一级、二级风险单位：共 {1} 个单位中的 {0} 个。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/report_pdf.py" line="616" />
      <source>Inherent</source>
      <translation>固有</translation>
    </message>
    <message>
      <location filename="../plugin/processing/report_pdf.py" line="616" />
      <source>Dynamic</source>
      <translation>现实</translation>
    </message>
    <message>
      <location filename="../plugin/processing/report_pdf.py" line="865" />
      <source>dynamic on {}</source>
      <translation>现实风险 {}</translation>
    </message>
    <message>
      <location filename="../plugin/processing/risk_list.py" line="47" />
      <source>Export the risk list</source>
      <translation>导出风险清单</translation>
    </message>
    <message>
      <location filename="../plugin/processing/risk_list.py" line="48" />
      <source>Writes the 风险清单 (risk list) of a scored risk database as an Excel workbook in the unified list layout: one row per risk point (hazard source) with its code, name, type, sector, district and street, 风险特征, 产生条件, the accident types it can lead to (GB 6441), its reach and the people and receptors within it (after citysafety:proximity), its level, level name and colour (the cells filled in the level colour), the controls in three kinds (工程技术, 管理, 个体防护与应急处置), the control level, the responsible unit and person with phone, the supervising department and the unit's duty phone, the major hazard source's three 包保责任人, and what the rules' [controls] finds missing. Level 1 first, then by district, street and code. Filter by districts and streets (the units' surveyed names, several separated by commas), sectors and levels. The responsible people's phones are masked (138****5678) unless you tick the option; duty phones are public and shown. Text is stored as text, never as a formula. A list longer than 1,000,000 rows continues on 风险清单 (2), (3) …; the sheet 说明 records the database, the filters and the rule. An earlier file is replaced only when the new one is complete.</source>
      <translation>将已评价的风险数据库导出为统一格式的风险清单（Excel 工作簿）：每个风险点（危险源）一行，含编码、名称、类型、行业领域、所属区和街道、风险特征、产生条件、可能导致的事故类型（GB 6441）、影响范围及其中的人口和敏感目标（运行敏感目标与人口分析后）、风险等级、等级名称和颜色（单元格按等级着色）、三类管控措施（工程技术、管理、个体防护与应急处置）、管控层级、责任单位和责任人及电话、监管部门和单位值班电话、重大危险源的三名包保责任人，以及规则 [controls] 判定的管控缺失。按重大风险优先、再按区、街道和编码排序。可按行政区和街道（单位填报的名称，多个用逗号分隔）、行业领域和风险等级筛选。责任人电话默认脱敏（138****5678），勾选选项后完整显示；值班电话属公开信息，照常显示。文本一律按文本保存，不会成为公式。超过 1,000,000 行时续写在“风险清单 (2)”“(3)”…；“说明”工作表记录数据库、筛选条件和规则。新文件完整写出后才替换原有文件。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/risk_list.py" line="78" />
      <source>Streets (separated by commas; empty: all)</source>
      <translation>街道（多个用逗号分隔；留空为全部）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/risk_list.py" line="81" />
      <source>Sectors (none chosen: all)</source>
      <translation>行业领域（不选为全部）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/risk_list.py" line="84" />
      <source>Risk levels (none chosen: all)</source>
      <translation>风险等级（不选为全部）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/risk_list.py" line="136" />
      <source>The responsible people's phone numbers are shown in full: handle the workbook as personal data.</source>
      <translation>责任人电话已完整显示：请按个人信息管理该工作簿。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/risk_list.py" line="138" />
      <source>{} risk points written to {}</source>
      <translation>已写出 {} 个风险点：{}</translation>
    </message>
    <message>
      <location filename="../plugin/processing/risk_list.py" line="133" />
      <source>The database has no column for: {} (left empty; import with the current template, run the proximity analysis).</source>
      <translation>数据库中没有以下列：{}（已留空；请用当前模板导入，并运行敏感目标与人口分析）。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/risk_map.py" line="26" />
      <source>Risk map</source>
      <translation>风险一张图</translation>
    </message>
    <message>
      <location filename="../plugin/processing/risk_map.py" line="27" />
      <source>Builds the unified risk layer of the whole city (risk_map: units styled by level in red, orange, yellow and blue, a symbol shape per sector, every level from the city's points scale in: 1:5,000 for a megacity), its level-1 units (risk_level1: on top at every scale, all of them from 1:25,000 in and further out those in cells sparse in level-1 units; named from 1:50,000), the aggregation grid between the city and the street (risk_grid: hexagons of 2 km, 1 km, 500 m, 250 m and 100 m by band of scales, each with its units per level, worst level and level-1 units per km²), a risk-density GeoTIFF (units weighted by level with the rules' weights, kernel density in metres in the local Gauss-Krüger zone) and, when districts are given, a district summary layer (units and shares per level, inherent and final counts, units raised, risk index = weighted units per km²). In QGIS the layers are put in a group 城市安全风险一张图: district boundaries over the grid; the density and the district fills are loaded unchecked (the panel's aggregation choice switches them).</source>
      <translation>为全市建立统一风险图层（risk_map：按等级以红、橙、黄、蓝着色的单位，每个行业一种符号形状，自本市的点位比例尺起显示全部等级：特大城市为 1:5,000）、其重大风险单位图层（risk_level1：任何比例尺下置于最上层，比例尺大于 1:25,000 时全部显示，更小比例尺下只显示重大风险单位稀疏网格中的单位；比例尺大于 1:50,000 时标注名称）、全市与街道之间的聚合网格（risk_grid：按比例尺分段的 2 千米、1 千米、500 米、250 米和 100 米六边形，每格含各等级单位数、最高风险等级和每平方千米重大风险单位数）、风险密度 GeoTIFF（按规则权重对单位加权，在当地高斯-克吕格投影带中以米为单位做核密度），以及给定行政区时的行政区汇总图层（各等级单位数与占比、固有与最终等级单位数、升级单位数、风险指数 = 每平方千米加权单位数）。在 QGIS 中各图层放入“城市安全风险一张图”图层组：行政区界线叠加在网格之上；风险密度和行政区填色默认不勾选（面板的聚合显示选项可切换）。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/risk_map.py" line="52" />
      <source>Districts (polygons, optional)</source>
      <translation>行政区（面图层，可选）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/risk_map.py" line="55" />
      <source>Risk density (GeoTIFF)</source>
      <translation>风险密度（GeoTIFF）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/risk_map.py" line="59" />
      <source>Units on the map</source>
      <translation>上图单位数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/risk_map.py" line="60" />
      <source>Districts summarised</source>
      <translation>汇总的行政区数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/risk_map.py" line="69" />
      <source>Receptors and population first (citysafety:proximity)</source>
      <translation>先进行敏感目标与人口分析（citysafety:proximity）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/risk_map.py" line="55" />
      <source>GeoTIFF (*.tif)</source>
      <translation>GeoTIFF 栅格 (*.tif)</translation>
    </message>
    <message>
      <location filename="../plugin/processing/risk_map.py" line="96" />
      <source>Risk density: {} × {} cells of {} m, EPSG:{}, total weight {:.0f}</source>
      <translation>风险密度：{} × {} 个 {} 米网格，EPSG:{}，总权重 {:.0f}</translation>
    </message>
    <message>
      <location filename="../plugin/processing/run_all.py" line="30" />
      <source>Run the whole chain</source>
      <translation>一键运行全流程</translation>
    </message>
    <message>
      <location filename="../plugin/processing/run_all.py" line="31" />
      <source>Runs the whole chain on a set of survey files: import the surveys into a risk database, score every hazard source and unit by the rules, with receptors or a population raster analyse what lies around each hazard (α from the population, upgrades), build the cascade (domino) graph, build the risk map (risk layer, density raster, district summary), and end with the Excel and PDF reports. The same parameters as the single steps; each step's log is shown in turn.</source>
      <translation>对一组调查表文件运行全流程：导入调查数据到风险数据库，按规则评价每个危险源和单位；提供敏感目标或人口栅格时分析每个危险源周边情况（由人口确定 α、升级），构建多米诺连锁关系图，生成风险一张图（风险图层、密度栅格、行政区汇总），最后输出 Excel 和 PDF 报告。参数与各单步相同，依次显示每一步的日志。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/run_all.py" line="71" />
      <source>Cascade (domino) analysis</source>
      <translation>多米诺连锁效应分析</translation>
    </message>
    <message>
      <location filename="../plugin/processing/run_all.py" line="82" />
      <source>Units of level {}</source>
      <translation>{}级风险单位数</translation>
    </message>
    <message>
      <location filename="../plugin/processing/score.py" line="31" />
      <source>Score hazards and units</source>
      <translation>风险评价</translation>
    </message>
    <message>
      <location filename="../plugin/processing/score.py" line="32" />
      <source>Scores every hazard source of a risk database by its sector's method in the rules: GB 18218-2018 (S = Σq/Q, R = α·Σβq/Q, Table 6 level) for units that are major hazard sources, LEC (D = L·E·C) or the LS matrix (R = L·S) otherwise. Each hazard gets method, s_value, r_value, alpha, alpha_source, lec_d, ls_r, level, level_zh and colour; each unit its level (the most severe hazard), worst hazard, hazard count, major-hazard flag and level_reasons. Problems (an unmatched substance, a missing population, missing values) go to the score_issues table. The database is rewritten atomically; the input rows are untouched otherwise.</source>
      <translation>按规则中各行业领域的评价方法评价风险数据库中的每个危险源：构成重大危险源的单位按 GB 18218-2018（S = Σq/Q，R = α·Σβq/Q，按表6 分级），其余按作业条件危险性评价法 LEC（D = L·E·C）或风险矩阵 LS（R = L·S）。每个危险源得到评价方法、S 值、R 值、α、α 来源、LEC D 值、LS R 值、等级、等级名称和颜色；每个单位得到等级（其最严重危险源的等级）、最严重危险源、危险源数、是否重大危险源及定级依据。问题（物质未匹配、缺少人口、缺少取值）写入 score_issues 表。数据库以原子方式重写，原有数据不变。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/score.py" line="53" />
      <source>Rules: {} ({})</source>
      <translation>规则：{}（{}）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/score.py" line="61" />
      <source>Units by sector and level:</source>
      <translation>各行业领域单位风险等级：</translation>
    </message>
    <message>
      <location filename="../plugin/processing/survey_template.py" line="16" />
      <source>Survey template</source>
      <translation>调查表模板</translation>
    </message>
    <message>
      <location filename="../plugin/processing/survey_template.py" line="17" />
      <source>Writes a blank survey workbook (.xlsx) for one sector or for all sectors: an instructions sheet (说明) explaining every column and the coordinate systems, the units sheet (单位信息) and the hazard-sources sheet (危险源) with Chinese headers, English keys, drop-down lists for coded columns and one example row. A template filled in this way imports without errors.

Workbook: the survey (the default), or a blank hidden-danger ledger (隐患台账, for citysafety:import_hidden_dangers) or accident record workbook (事故记录, for citysafety:import_accidents), laid out the same way; the sector does not apply to those.</source>
      <translation>为一个行业领域或全部行业领域生成空白调查表工作簿（.xlsx）：说明工作表解释每一列及坐标系，单位信息表和危险源表带中文表头、英文字段名、代码列的下拉列表和一行示例。按示例填写的模板可无错误导入。

工作簿：调查表（默认），或空白的隐患台账（供 citysafety:import_hidden_dangers 导入）或事故记录（供 citysafety:import_accidents 导入），版式相同；行业领域对这两种不适用。</translation>
    </message>
    <message>
      <location filename="../plugin/processing/survey_template.py" line="36" />
      <source>Workbook</source>
      <translation>工作簿</translation>
    </message>
    <message>
      <location filename="../plugin/processing/survey_template.py" line="40" />
      <source>Template workbook</source>
      <translation>模板工作簿</translation>
    </message>
    <message>
      <location filename="../plugin/processing/survey_template.py" line="51" />
      <source>Template written: {}</source>
      <translation>模板已写入：{}</translation>
    </message>
    <message>
      <location filename="../plugin/processing/survey_template.py" line="37" />
      <source>Survey (units and hazard sources)</source>
      <translation>调查表（单位和危险源）</translation>
    </message>
    <message>
      <location filename="../plugin/processing/survey_template.py" line="37" />
      <source>Hidden-danger ledger (隐患台账)</source>
      <translation>隐患台账</translation>
    </message>
    <message>
      <location filename="../plugin/processing/survey_template.py" line="38" />
      <source>Accident records (事故记录)</source>
      <translation>事故记录</translation>
    </message>
    <message>
      <source>Writes a risk database (GeoPackage) into a schema of a PostgreSQL/PostGIS database: every layer as a table of the same name, columns and values, geometries as typed PostGIS columns with GiST indexes. The database is a QGIS stored PostgreSQL connection or a postgresql://user@host:port/database URI. The schema is built under a staging name and swapped in within one transaction, so a failure or a cancel leaves an earlier risk database in that schema as it was; a schema that exists and is not a risk database is refused, never dropped. With STYLES, the plugin's styles and Chinese field aliases are saved as each layer's default in the database's layer_styles table, so any QGIS connected to the database draws the styled risk map without the plugin.</source>
      <translation type="vanished">把风险数据库（GeoPackage）写入 PostgreSQL/PostGIS 数据库的一个模式：每个图层成为同名、同字段、同取值的表，几何为带类型的 PostGIS 列并建 GiST 索引。数据库可用 QGIS 已保存的 PostgreSQL 连接，或 postgresql://用户@主机:端口/数据库 地址。新模式先以临时名建成，再在同一事务内替换，因此失败或取消时该模式中原有的风险数据库保持不变；已存在但不是风险数据库的模式会被拒绝，绝不删除。勾选 STYLES 时，插件的样式和中文字段别名作为各图层的默认样式存入数据库的 layer_styles 表，任何连接该数据库的 QGIS 无需插件即可显示带样式的风险一张图。</translation>
    </message>
    <message>
      <source>Compares two survey rounds of a risk database (or a round and today's dynamic risk) unit by unit: units new, closed, moved (more than 100 m) and their level up or down, each with its reasons — hazard sources added or gone, quantities changed, receptors within reach changed and, with DYNAMIC, the raises of the dynamic risk. A unit is the same unit by its code, or by its unified social credit code where codes were reissued.

FROM and TO name a round by its id or name (blank FROM: the round before the current one; blank TO: the current survey). The comparison is written as the point layer round_changes (styled by change) and, when asked, an Excel workbook with the counts by change, district, street and sector and the list of every unit that changed. Rounds come from citysafety:import_surveys with ROUND = a new round.</source>
      <translation type="vanished">逐个单位比较风险数据库的两轮调查（或一轮调查与当前的现实风险）：新增、关闭、迁移（超过 100 米）的单位，以及风险等级的升高或降低，并说明原因——危险源的新增或消失、危险物质数量的变化、影响范围内敏感目标的变化，以及（选择 DYNAMIC 时）现实风险的提升因素。同一单位按单位编码识别；编码重新分配时按统一社会信用代码识别。

FROM 和 TO 以轮次编号或名称指定轮次（FROM 留空：当前轮次的上一轮；TO 留空：当前调查）。比较结果写入点图层 round_changes（按变化类型着色），并可导出 Excel 工作簿：按变化类型、行政区、街道和行业领域的统计，以及所有变化单位的清单。调查轮次由 citysafety:import_surveys 的 ROUND = 新一轮调查 产生。</translation>
    </message>
    <message>
      <source>Imports survey workbooks (.xlsx) and CSV files (UTF-8, UTF-8 with BOM, GB18030) into one risk database (GeoPackage) with the layers units, hazards, import_issues and import_runs.

Headers are found by their Chinese or English names and aliases on any row; both the template's two-sheet layout and a flat one-sheet layout are read. Full-width digits, units in cells (kg are converted to t), Excel and Chinese dates, degrees-minutes-seconds, swapped lon/lat, total rows and blank rows are handled. GCJ-02 and BD-09 coordinates are converted to WGS84.

Every row ends in exactly one place: accepted, rejected with its reasons in import_issues (file, sheet, row, column, value, code, Chinese and English message), or skipped as blank/total and counted. The database is written to a temporary file and moved into place, so a failure or cancel keeps an earlier one. Optionally an error workbook per input file lists the rows to fix.</source>
      <translation type="vanished">将调查表工作簿（.xlsx）和 CSV 文件（UTF-8、带 BOM 的 UTF-8、GB18030）导入一个风险数据库（GeoPackage），包含图层 units（单位）、hazards（危险源）、import_issues（导入问题）和 import_runs（导入记录）。

按中文或英文列名及别名在任意行识别表头；支持模板的双工作表格式和单表平铺格式。可正确读取全角数字、单元格内的计量单位（千克换算为吨）、Excel 日期和中文日期、度分秒坐标、经纬度填反、合计行和空行。GCJ-02 和 BD-09 坐标转换为 WGS84。

每一行都有唯一去向：接受；或被拒绝并在 import_issues 中列明原因（文件、工作表、行、列、原值、问题代码、中英文说明）；或作为空行/合计行跳过并计数。数据库先写入临时文件再替换，失败或取消不会破坏之前的数据库。可选为每个输入文件生成问题清单工作簿，供调查员修改。</translation>
    </message>
    <message>
      <source>Writes a blank survey workbook (.xlsx) for one sector or for all sectors: an instructions sheet (说明) explaining every column and the coordinate systems, the units sheet (单位信息) and the hazard-sources sheet (危险源) with Chinese headers, English keys, drop-down lists for coded columns and one example row. A template filled in this way imports without errors.</source>
      <translation type="vanished">为一个行业领域或全部行业领域生成空白调查表工作簿（.xlsx）：说明工作表解释每一列及坐标系，单位信息表和危险源表带中文表头、英文字段名、代码列的下拉列表和一行示例。按示例填写的模板可无错误导入。</translation>
    </message>
    <message>
      <source>The rules file was refused: {}</source>
      <translation type="vanished">规则文件未通过校验：{}</translation>
    </message>
    <message>
      <source>No survey files given (choose files or a folder).</source>
      <translation type="vanished">未指定调查表文件（请选择文件或文件夹）。</translation>
    </message>
    <message>
      <source>The panel needs the Python package {} (see the README's “Install into QGIS”).</source>
      <translation type="vanished">面板需要 Python 包 {}（见 README“安装到 QGIS”）。</translation>
    </message>
    <message>
      <source>Builds the unified risk layer of the whole city (risk_map: units styled by level in red, orange, yellow and blue, a symbol shape per sector, level-1 units on top, labels for level-1 and level-2 units at large scales), a risk-density GeoTIFF (units weighted by level with the rules' weights, kernel density in metres in the local Gauss-Krüger zone) and, when districts are given, a district summary layer (units per level, worst level, risk index = weighted units per km²) styled as a choropleth. In QGIS the layers are put in a group 城市安全风险一张图: districts and density at small scales, points at large ones.</source>
      <translation type="vanished">生成全市统一的风险一张图：risk_map 图层按风险等级以红、橙、黄、蓝四色显示单位，每个行业领域一种符号形状，重大风险单位绘制在最上层，大比例尺下标注重大和较大风险单位名称；风险密度 GeoTIFF（按规则中的等级权重对单位加权，在当地高斯-克吕格投影下以米为单位做核密度）；给定行政区图层时，生成行政区风险汇总图层（各等级单位数、最高等级、风险指数 = 每平方千米加权单位数），以分级色彩显示。在 QGIS 中，这些图层放入「城市安全风险一张图」图层组：小比例尺显示行政区和密度，大比例尺显示点位。</translation>
    </message>
    <message>
      <source>What the risk map shows between the city and the street, where single units would overlap: hexagonal cells coloured by their worst level or by their count of level-1 units, or the risk density. Level-1 units show as points at every scale.</source>
      <translation type="vanished">在全市与街道之间、单个单位会相互重叠的比例尺下，风险一张图显示的内容：按网格内最高风险等级或重大风险单位数着色的六边形网格，或风险密度。重大风险单位在任何比例尺下都以点显示。</translation>
    </message>
    <message>
      <source>Level-1 units per cell</source>
      <translation type="vanished">网格重大风险单位数</translation>
    </message>
    <message>
      <source>level {a} → {b} with a high-sensitivity receptor within the reach</source>
      <translation type="vanished">影响半径内有高敏感目标时 {a} 级 → {b} 级</translation>
    </message>
    <message>
      <source>For every hazard source of a scored risk database: receptors of each class within its reach radius (the sector's, from the rules; polygons by their nearest edge), the nearest high-sensitivity receptor (name, class, distance), a flag when it lies within the sector's protection distance, and the population within 500 m and within the reach from a population raster (people per cell, any CRS; cells cut by the circle count by their share of area). For GB 18218 units α comes from the raster population within 500 m of the unit (alpha_source = raster) and R and the level are recomputed. The rules' upgrades (a level-2 hazard with a high-sensitivity receptor within reach becomes level 1, level 3 becomes 2) are recorded in level_reasons. Writes hazard_receptor_links (lines from hazards to the receptors within reach) and proximity_issues (unknown receptor classes).</source>
      <translation type="vanished">对已评价风险数据库中的每个危险源：统计其影响半径（规则中的行业默认半径；面状目标按最近边界计）内各类敏感目标的数量，最近的高敏感目标（名称、类别、距离），高敏感目标位于行业防护距离内时给出标记，并由人口栅格（每格人数，任意坐标系；被圆切割的网格按面积占比计）统计 500 米和影响半径内的人口。GB 18218 单位的 α 由单位 500 米内的栅格人口确定（alpha_source = raster），并重算 R 和等级。按规则升级（影响半径内有高敏感目标的较大风险升为重大，一般风险升为较大），并写入定级依据。输出 hazard_receptor_links（危险源到影响半径内敏感目标的连线）和 proximity_issues（未知的敏感目标类别）。</translation>
    </message>
    <message>
      <source>Builds the directed escalation graph over all hazard sources of a scored risk database: each source's accident scenario from its substance (vapour-cloud explosion, pool fire, TNT, none), the distance at which its overpressure or heat radiation falls to each target equipment's threshold, and an edge i → j when j lies within i's escalation distance for j's equipment, with the load at j and the escalation probability from the probit. Candidate pairs come from one spatial-index query. Per source: out- and in-degree, reach in 1, 2 and any number of steps, the most probable chain, betweenness and closeness on −ln P (exact, or sampled with a seed in large clusters — the method is recorded), the cluster and its size. A source that can reach a level-1 source within two steps goes up one level (rules; recorded in level_reasons). Writes cascade_edges (arrows), cascade_chains and the new fields.</source>
      <translation type="vanished">为已评价风险数据库中的全部危险源构建有向连锁（多米诺）关系图：按物质确定事故情景（蒸气云爆炸、池火、TNT 爆炸或无），计算冲击波超压或热辐射衰减到各类目标设备阈值的距离；当目标位于源对该类设备的连锁距离内时建立边 i → j，记录目标处的荷载和按概率单位（probit）计算的连锁概率。候选对由一次空间索引查询得到。对每个危险源计算出度、入度、1 步/2 步/任意步可达数、最可能的连锁链、基于 −ln P 的介数和接近度（大连锁群采用带种子的抽样并记录方法）、所属连锁群及规模。能在两步内引发一级风险源的危险源升一级（规则；写入定级依据）。输出 cascade_edges（箭头）、cascade_chains 和新字段。</translation>
    </message>
    <message>
      <source>{} level-1 units; the {} with the highest R are listed.</source>
      <translation type="vanished">重大风险单位 {} 个；列出 R 值最高的 {} 个。</translation>
    </message>
    <message>
      <source>Runs the whole chain on a set of survey files: import the surveys into a risk database, score every hazard source and unit by the rules, with receptors or a population raster analyse what lies around each hazard (α from the population, upgrades), build the cascade (domino) graph, and build the risk map (risk layer, density raster, district summary). The same parameters as the single steps; each step's log is shown in turn.</source>
      <translation type="vanished">对一组调查表文件运行全流程：导入调查数据到风险数据库，按规则评价每个危险源和单位；提供敏感目标或人口栅格时分析每个危险源周边情况（由人口确定 α、升级），构建多米诺连锁关系图，并生成风险一张图（风险图层、密度栅格、行政区汇总）。参数与各单步相同，依次显示每一步的日志。</translation>
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
