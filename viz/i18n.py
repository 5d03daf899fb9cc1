"""The app in English or Chinese: one table of every text the page shows, keyed by the English text.

Every label, legend, message, verdict line and log line the app writes goes through `tr`, with the
English text (or template, ``{name}`` for what is filled in) as the key, so the English page reads
the code as written and the Chinese page is one look-up in `ZH`. A text with no Chinese entry falls
back to English and is noted in `MISSING`; tests/viz/test_i18n.py checks that no text the page shows
is missing. Emission sources carry their own Chinese labels (abm.emissions), map layers theirs
(viz.layers).

>>> tr("total emissions peak", "zh"), tr("{year}: {name} crossed, confirmed {confirmed}{later}", "en",
...    year=2031, name="x", confirmed=2034, later="")
('碳达峰', '2031: x crossed, confirmed 2034')
>>> years(1, "en"), years(5, "en"), years(5, "zh")
('1 year', '5 years', '5年')
"""

from __future__ import annotations

import re

#: The page's languages: code -> the name the switch shows (in that language).
LANGS: dict[str, str] = {"en": "English", "zh": "中文"}

#: Texts asked for in Chinese that have no entry (shown in English instead); a test keeps it empty.
MISSING: set[str] = set()


def check_lang(lang: str) -> str:
    """`lang` if the app speaks it; a ValueError naming the languages otherwise."""
    if lang not in LANGS:
        raise ValueError(f"language {lang!r} is not available: use one of {', '.join(LANGS)}")
    return lang


def tr(text: str, lang: str = "en", /, **fill: object) -> str:
    """`text` in `lang`, with the ``{name}`` fields filled from `fill` (the English key when `lang` is
    'en' or the table has no entry)."""
    template = text
    if lang == "zh":
        template = ZH.get(text, text)
        if text not in ZH:
            MISSING.add(text)
    return template.format(**fill) if fill else template


def years(n: int, lang: str = "en") -> str:
    """A number of years: '1 year', '5 years', '5年'."""
    if lang == "zh":
        return f"{n}年"
    return f"{n} year{'s' if n != 1 else ''}"


def join(items: list[str], lang: str = "en") -> str:
    """A list in running text: 'a, b' or 'a、b'."""
    return ("、" if lang == "zh" else ", ").join(items)


#: The phrases of abm.conditions.exogenous_conditions, in Chinese (they are written in abm, in English).
CONDITION_WORDS: tuple[tuple[str, str], ...] = (
    ("household growth ", "户数增长 "), ("value added per job, services ", "服务业人均增加值 "),
    ("; industry ", "；工业 "), ("grid factor ", "电网排放因子 "), ("%/yr", "%/年"), ("k CNY", "千元"),
)


def condition(phrase: str, lang: str = "en") -> str:
    """One phrase of what the inflection years hold on (abm.conditions), in `lang`.

    >>> condition("household growth 1.0%/yr (2020), 0.0%/yr (2040)", "zh")
    '户数增长 1.0%/年（2020年）, 0.0%/年（2040年）'
    """
    if lang != "zh":
        return phrase
    for en, zh in CONDITION_WORDS:
        phrase = phrase.replace(en, zh)
    return re.sub(r" \((\d{4})\)", r"（\1年）", phrase)


# --------------------------------------------------------------------------------------------------
# The table: English text (or template) -> Chinese. Grouped by where the text is shown.
# --------------------------------------------------------------------------------------------------
ZH: dict[str, str] = {
    # ---- the five inflection points and the net-zero year (abm.inflection) ----------------------------
    "emissions growth-rate peak": "排放增速拐点",
    "emissions increment peak": "排放增量拐点",
    "total emissions peak": "碳达峰",
    "sink growth peak": "碳汇增速拐点",
    "net-stock point": "净存量拐点",
    "net-zero year": "碳中和（净零排放）年份",
    # the legend under the log (viz.runs.LEGEND)
    "emissions growth-rate peak: the year emissions grow fastest relative to their level":
        "排放增速拐点：排放相对其水平增长最快的年份",
    "emissions increment peak: the year emissions add the most tonnes to the year before":
        "排放增量拐点：排放比上一年增加吨数最多的年份",
    "total emissions peak (the carbon peak): the year emissions are highest": "碳达峰：排放总量最高的年份",
    "sink growth peak: the year the land's carbon sink grows the most": "碳汇增速拐点：土地碳汇增长最多的年份",
    "net-stock point: the first year new building adds no net emissions while GDP still grows, so cuts come only "
    "from the existing stock": "净存量拐点：GDP仍在增长、而新建建筑不再带来净排放增加的第一年，此后减排只来自存量",
    "net-zero year: the first year from which emissions stay at or below the sink (a milestone, not a sixth point)":
        "碳中和（净零排放）年份：排放从此保持不高于碳汇的第一年（里程碑，不是第六个拐点）",
    # ---- the event log (viz.runs) ----------------------------------------------------------------------
    "{year}: {name} crossed, confirmed {confirmed}{later}": "{year}年：{name}已出现，{confirmed}年确认{later}",
    "{year}: {name} reached (emissions <= sink), confirmed {confirmed}{later}":
        "{year}年：达到{name}（排放 ≤ 碳汇），{confirmed}年确认{later}",
    " ({lag} later)": "（滞后{lag}）",
    "{name} passed before {first}, the first simulated year (already falling when first judged, in {year}; "
    "confirmed {confirmed})": "{name}在首个模拟年份{first}年之前已出现（{year}年首次可判断时已在下降；{confirmed}年确认）",
    "{name} not reached": "{name}尚未出现",
    "{name} not reached by {end}": "截至{end}年{name}未出现",
    "{n} of {needed} years of clear decline so far": "已明显下降{n}年（需{needed}年）",
    "{n} of {needed} years in a row so far": "已连续{n}年（需{needed}年）",
    "the highest so far": "迄今最高",
    "the first such year": "首个满足条件的年份",
    "{name}: candidate: passed before {first}, the first simulated year (falling when first judged, in {year}), "
    "awaiting confirmation": "{name}：候选：在首个模拟年份{first}年之前已出现（{year}年首次可判断时已在下降），待确认",
    "{name}: candidate year {year} ({so_far}), awaiting confirmation": "{name}：候选年份{year}年（{so_far}），待确认",
    "{name}: candidate year {year}, awaiting confirmation ({so_far})": "{name}：候选年份{year}年，待确认（{so_far}）",
    " ({so_far})": "（{so_far}）",
    "{name}: no candidate yet": "{name}：尚无候选年份",
    "Each point is judged on a {window}-year running mean and confirmed once the data have stayed past it for "
    "{confirm} years, so it is confirmed at least {least} years after its year; until then its running candidate "
    "is shown, awaiting confirmation.": "每个拐点按{window}年滑动平均判断，数据越过它并保持{confirm}年后才确认，"
    "因此最早在其年份之后{least}年确认；确认之前显示其当前候选年份（待确认）。",
    "Carbon inflection points (numbered as on the charts)": "碳排放拐点（编号与图中一致）",
    "{label}: inflection years hold on {conditions}": "{label}：拐点年份取决于 {conditions}",
    "; ": "；",
    # ---- the page's controls (viz.app) -----------------------------------------------------------------
    "abm: urban form and carbon": "abm：城市形态与碳排放",
    "Play": "播放", "Pause": "暂停", "Step": "单步", "Reset": "重置", "speed": "速度", "playing": "播放中",
    "1 tick/s": "每秒1年", "2 ticks/s": "每秒2年", "5 ticks/s": "每秒5年", "max": "最快",
    "Year {year} (tick {tick} of {end})": "{year}年（第{tick}步，共{end}步）",
    "scenario": "情景", "scenario A": "情景 A", "scenario B": "情景 B",
    "compare with a second policy (B)": "与第二个政策（B）对比",
    "levers of policy {side} (B runs on A's region, seed and years)": "政策{side}的调控参数（B使用A的区域、随机种子和年份）",
    "Export the current run": "导出当前模拟", "events JSON": "拐点 JSON", "PNG map + charts": "PNG 地图与图表",
    "scenario TOML": "情景 TOML", "scenario TOML ({side})": "情景 TOML（{side}）",
    "Verdict: B against A": "结论：B 相对 A",
    "What differs between A and B (every setting, shown in the controls or not)":
        "A与B的差异（全部设置，无论控制面板中是否显示）",
    "{n} setting not applied": "{n}项设置未应用", "{n} settings not applied": "{n}项设置未应用",
    "(the run uses every other setting; fix or reset it to apply):": "（模拟使用其余全部设置；修改或重置后即可应用）：",
    "(the run uses every other setting; fix or reset them to apply):": "（模拟使用其余全部设置；修改或重置后即可应用）：",
    ": ": "：",
    "Something went wrong: {error}": "出现错误：{error}",
    "Playing stopped: {error}": "播放已停止：{error}",
    "The model stopped in {year}: {error}": "模型在{year}年停止：{error}",
    "The model could not start: {error}": "模型无法启动：{error}",
    "The map could not be drawn: {error}": "地图无法绘制：{error}",
    "no scenario files in {folder}": "{folder} 中没有情景文件",
    # ---- levers (viz.levers): classes, labels, choices, units, hints -----------------------------------
    "Total quantity": "总量", "Function": "功能", "Structure": "结构", "Layout": "布局", "Efficiency": "效率",
    "Renewal": "城市更新",
    "growth boundary": "城镇开发边界", "boundary radius": "开发边界半径", "land quota": "用地指标",
    "mixed-use share": "混合用地比例", "green share (min)": "最低绿地比例", "afforestation": "植树造林",
    "FAR cap, core": "容积率上限（核心区）", "FAR cap, sub-centres": "容积率上限（副中心）",
    "FAR cap, elsewhere": "容积率上限（其他地区）", "sub-centres": "副中心数量", "transit": "公共交通",
    "retrofit rate": "既有建筑节能改造率", "grid factor, end value": "电网排放因子（终值）",
    "renewal share": "城市更新比例", "seed": "随机种子", "ticks (years)": "模拟年数",
    "none": "无", "town": "城区", "clusters": "组团", "core": "核心区", "trunk": "干线",
    "km": "公里", "cells/yr": "单元/年", "share": "比例", "share/yr": "比例/年", "kgCO2/kWh": "kgCO2/kWh",
    "one of {choices}": "可选：{choices}", "{lo} or more": "{lo} 及以上", "{lo} to {hi}": "{lo} 至 {hi}",
    "{valid}; or a path 2020: a, 2030: b": "{valid}；或年份路径 2020: a, 2030: b",
    "{valid} in {year} (path: {path})": "{year}年的值：{valid}（路径：{path}）",
    # refusals (viz.levers.PROBLEMS, COMBINATIONS)
    "{value} is below the minimum {lo}": "{value} 低于最小值 {lo}",
    "{value} is above the maximum {hi}": "{value} 高于最大值 {hi}",
    "{text} is not a number": "{text} 不是数字：请输入数字（如 3.5）或年份路径（如 2020: 4, 2030: 3.2）",
    "{text} is not a whole number": "{text} 不是整数：请输入整数（如 3）",
    "{text} is not 'year: value'": "{text} 不是“年份: 数值”：请按 2020: 4, 2030: 3.2 的格式输入",
    "{text} is not a valid choice": "{text} 不是有效选项",
    "{value} is not finite": "{value} 不是有限数值",
    "the field is empty": "该项为空：请输入数值",
    "the path is empty": "年份路径为空：请按 2020: 4, 2030: 3.2 的格式输入",
    "year {year} is outside {lo}-{hi} (this run simulates {first}-{last})":
        "{year}年超出可用年份 {lo}-{hi}（本次模拟 {first}-{last} 年）：年份路径的年份须在 {lo}-{hi} 之内",
    "year {year} is given twice": "{year}年重复出现：每个年份只能给一次",
    "cannot be applied: {problem}": "无法应用：{problem}",
    "in {year}: ": "{year}年：",
    " (valid: {valid})": "（有效范围：{valid}）",
    ": use {valid}": "：{valid}",
    "trunk transit links the sub-centres, but there are none: set sub-centres to 1 or more, or choose transit core":
        "干线公交连接各副中心，但当前没有副中心：请将副中心数量设为1或以上，或选择核心区公交",
    "a clusters boundary is drawn around the sub-centres, but there are none: set sub-centres to 1 or more, or "
    "choose the town boundary": "组团式开发边界围绕副中心划定，但当前没有副中心：请将副中心数量设为1或以上，或选择城区边界",
    # ---- map legends (viz.layers, viz.ramps, viz.render) -----------------------------------------------
    "households per cell": "户/单元", "m2 per cell": "平方米/单元", "tCO2/yr per cell": "吨CO2/年/单元",
    "tCO2/yr per cell (negative: source)": "吨CO2/年/单元（负值为碳源）",
    "tC/ha (biomass, soil, dead matter)": "吨碳/公顷（生物量、土壤、枯落物）",
    "year the cell became urban": "单元转为城镇用地的年份",
    "unclassified": "未分类", "urban": "城镇", "farmland": "耕地", "grassland": "草地", "forest": "林地",
    "water": "水域", "wetland": "湿地", "barren": "裸地", "urban before the start": "起始前已是城镇",
    "not urban": "非城镇",
    "each pixel: {factor} x {factor} cells": "每像素：{factor} × {factor} 个单元",
    # ---- charts and summaries (viz.carbon_charts, viz.frames) ------------------------------------------
    "total emissions": "总排放", "sink": "碳汇", "net": "净排放", "ktCO2 per year": "千吨CO2/年",
    "Carbon intensity of GDP": "单位GDP碳排放强度", "tCO2 per 10,000 CNY": "吨CO2/万元",
    "total emissions A - B": "总排放 A - B", "sink A - B": "碳汇 A - B", "net A - B": "净排放 A - B",
    "MtCO2 since the start": "起始以来累计百万吨CO2",
    "{label}: emissions by source, sink and net": "{label}：分来源排放、碳汇与净排放",
    "Difference {names}, per year": "差值 {names}，逐年",
    "Cumulative difference {names} since {first}": "累计差值 {names}，自{first}年起",
    "{label}, {year}: emissions {emissions} kt, sink {sink} kt, net {net} kt, intensity {intensity} t per 10k CNY, "
    "{households} households, urban area {urban} km2": "{label}，{year}年：排放{emissions}千吨，碳汇{sink}千吨，"
    "净排放{net}千吨，碳强度{intensity}吨/万元，{households}户，城镇面积{urban}平方公里",
    "; held back by the land rules: {unhoused} households without a home here, {jobs} jobs of firms waiting for "
    "a site": "；受用地规则限制：{unhoused}户未能在本地落户，{jobs}个岗位所属企业等待选址",
    # ---- the map's zoom and hover read-out (viz/map_view.vue, viz.runs.cell_readout) -------------------
    "row {row}, col {col}": "第{row}行第{col}列", "{where}: outside the study area": "{where}：研究区外",
    "{where}: {what}": "{where}：{what}", ", ": "，", "floor {value} m2": "建筑面积{value}平方米",
    "{value} households": "{value}户", "emissions {value} tCO2/yr": "排放{value}吨CO2/年",
    "sink {value} tCO2/yr": "碳汇{value}吨CO2/年",
    "zoom in (or the mouse wheel)": "放大（或滚动鼠标滚轮）", "zoom out": "缩小",
    "whole map (or double-click)": "全图（或双击）",
    "hover a cell to read it; wheel to zoom, drag to pan": "鼠标悬停查看单元数值；滚轮缩放，拖动平移",
    # ---- saving and loading a scenario (viz.session.load_toml) -----------------------------------------
    "load a scenario TOML into {side}": "载入情景 TOML 到 {side}", "{name} was not loaded: {error}": "{name} 未能载入：{error}",
    "the file is over 1 MB": "文件超过1 MB", "the file is empty": "文件为空",
    # ---- uncertainty over seeds (viz.ensemble, viz.frames) ---------------------------------------------
    "seeds (uncertainty)": "随机种子数（不确定性）",
    "total emissions, P5-P95 of {n} seeds": "总排放：{n}个种子的P5-P95区间",
    "; {spread}": "；{spread}", "{year} ({spread})": "{year}（{spread}）",
    "not reached in any of {n} seeds": "{n}个种子均未出现", "{before} to {hi}": "{before}至{hi}",
    "{span} in {k} of {n} seeds ({m} not reached)": "{n}个种子中{k}个为{span}（{m}个未出现）",
    "{span} in all {n} seeds": "{n}个种子均为{span}", "{span} over {n} seeds": "{n}个种子：{span}",
    "{label}: {m} of {n} seeds failed ({errors})": "{label}：{n}个种子中{m}个运行失败（{errors}）",
    "{label}: running seeds {first}-{last} in the background, {k} of {n} done":
        "{label}：正在后台运行种子 {first}-{last}，已完成{k}/{n}",
    "{label}: seeds {first}-{last} done: the grey band is P5-P95 of total emissions over the {n} seeds, and each "
    "inflection year gives its spread over them": "{label}：种子 {first}-{last} 已完成：灰色带为{n}个种子总排放的"
    "P5-P95区间，各拐点年份后附其在各种子间的分布",
    # ---- the comparison and its verdict (viz.compare) --------------------------------------------------
    "setting": "设置", "factor": "因素", "unset": "未设定", "B against A": "B 相对 A",
    "* set in the scenario file, not shown in the controls": "* 在情景文件中设定，控制面板中未显示",
    "urban form": "城市形态", "technology": "技术", "exogenous paths": "外生路径",
    "settings that are no planning lever": "非规划调控的设置",
    "quantity": "总量", "function": "功能", "structure": "结构", "layout": "布局", "renewal": "城市更新",
    "efficiency": "效率", "population": "人口", "economy": "经济", "grid": "电网",
    "{group} ({factors})": "{group}（{factors}）", " and in ": "以及",
    "A and B are the same policy: on one seed they run the same city.": "A与B是同一政策：同一随机种子下模拟的是同一座城市。",
    "A and B differ in urban form only ({factors}): the gaps below are urban form's.":
        "A与B仅在城市形态上不同（{factors}）：以下差距来自城市形态。",
    "A and B differ in {parts}: the gaps below are not urban form's alone; `abm attribute` splits them.":
        "A与B在{parts}上不同：以下差距并非仅来自城市形态；可用 `abm attribute` 分解。",
    "A and B also differ in settings that are no planning lever ({field}: {why}): the gaps below are not the "
    "policies' alone.": "A与B在非规划调控的设置上也不同（{field}：{why}）：以下差距并非仅来自政策。",
    "before {first}": "{first}年之前", "not reached by {end}": "截至{end}年未出现", "not yet": "尚未出现",
    "before {first}? (candidate)": "{first}年之前？（候选）", "{year}? (candidate)": "{year}年？（候选）",
    "both before the run": "均在模拟开始之前", "B later: A's passed before the run": "B较晚：A的在模拟开始前已出现",
    "B earlier: B's passed before the run": "B较早：B的在模拟开始前已出现", "same year": "同年",
    "B {n} earlier": "B早{n}", "B {n} later": "B晚{n}", " (provisional: not yet confirmed)": "（暂定：尚未确认）",
    "the same": "相同", "Mt": "百万吨", "km2": "平方公里",
    "B saves {amount} {unit}{share}": "B减少{amount}{unit}{share}",
    "B emits {amount} {unit} more{share}": "B多排放{amount}{unit}{share}",
    "B takes {amount} {unit} more{share}": "B多占用{amount}{unit}{share}",
    "cumulative emissions {first}-{last}, MtCO2": "{first}-{last}年累计排放，百万吨CO2",
    "cumulative net emissions (emissions - sink) {first}-{last}, MtCO2": "{first}-{last}年累计净排放（排放 - 碳汇），百万吨CO2",
    "urban land in {last}, km2": "{last}年城镇用地，平方公里",
    " ({doc})": "（{doc}）",
    # settings the controls do not show (abm.schema docs), and why a setting is no lever (abm.attribution)
    "vector file of the growth boundary (replaces policy.quantity.growth_boundary)": "城镇开发边界矢量文件",
    "vector file of the ecological red line (added to policy.quantity.red_line)": "生态保护红线矢量文件",
    "vector file of permanent basic farmland (added to policy.quantity.farmland)": "永久基本农田矢量文件",
    "water with a buffer plus steep forest are never built": "生态保护红线：水域及其缓冲区与陡坡林地不得开发",
    "permanent basic farmland (永久基本农田), never built: none, or prime = the share farmland_share of today's "
    "cropland on the gentlest slopes, outside the start year's growth boundary (the three lines are drawn not to "
    "overlap)": "永久基本农田，不得开发：none 为不划定，prime 为在起始年城镇开发边界之外、坡度最缓的现状耕地中"
    "按 farmland_share 比例划定（三条控制线互不重叠）",
    "radius of each sub-centre's boundary (clusters)": "各副中心开发边界半径（组团式）",
    "year the sub-centres are designated": "副中心设立年份", "year the transit lines open": "公共交通线路开通年份",
    "distance of the sub-centres from the core": "副中心与核心区的距离",
    "share of new non-residential floor the plan steers into designated centres": "规划引导进入各中心的新增非居住建筑面积比例",
    "radius of the core and of each designated centre": "核心区及各中心的半径",
    "annual growth of the number of households": "户数年增长率", "value added per services job": "服务业人均增加值",
    "value added per industry job": "工业人均增加值", "share of new jobs in services (rest industry)": "新增就业中服务业的比例",
    "calendar year of tick 0": "模拟起始年份",
    "share of building electricity from local zero-carbon supply beyond the grid mix": "建筑用电中来自本地零碳电源的比例",
    "electricity share of residential energy (kgce basis, district heating excluded); the rest is fossil":
        "居住建筑能耗中的电力比例",
    "electricity share of commercial, public and industrial floor energy (kgce basis)": "公共建筑能耗中的电力比例",
    "floor-related energy of residential floor built in that year relative to the 2016 standard":
        "当年新建居住建筑能耗相对2016年标准的比例",
    "same for commercial and industrial floor (public-building standard)": "当年新建公共建筑能耗相对标准的比例",
    "floor-related energy saved on retrofitted floor (x (1 - saving x retrofit share))": "节能改造建筑的节能比例",
    "not a lever": "非调控参数", "the land itself": "土地本身", "behaviour": "行为参数",
    "when the run starts (seed and run length are set by the attribution)": "模拟起始年份",
    "household and firm behaviour (calibrated)": "住户与企业行为（已校准）",
    "developer behaviour and rents (calibrated)": "开发商行为与租金（已校准）", "the region's make-up": "区域构成",
    "how inflection points are detected": "拐点识别方法", "the region's climate": "区域气候",
    "measured energy of today's stock (CABEE), not a choice": "现状建筑实测能耗（CABEE），不可选择",
    "how dwelling energy splits (measured)": "住宅能耗分摊（实测）", "building typology thresholds": "建筑类型阈值",
    "a physical conversion": "物理换算系数", "an accounting switch": "核算开关",
    "the economy's freight intensity (calibrated)": "经济的货运强度（已校准）", "travel behaviour": "出行行为",
    "travel behaviour (trips leaving the region)": "出行行为（离开区域的出行）", "the street network": "街道网络",
    "travel speeds": "出行速度", "the bus network": "公交网络", "the metro network (travel model)": "地铁网络（出行模型）",
    "service levels": "服务水平", "travel times": "出行时间", "mode choice (calibrated)": "出行方式选择（已校准）",
    "land carbon data": "土地碳数据", "forest growth and management data": "森林生长与经营数据",
    # the planner's own city (uploads) and the planning-lines layer
    "Your own city (upload)": "本地城市数据（上传）", "{what}: {hint}": "{what}：{hint}",
    "land-use maps": "土地利用图", "ecological red line": "生态保护红线", "permanent basic farmland": "永久基本农田",
    "remove": "移除", "in use: {files} ({summary})": "使用中：{files}（{summary}）", "upload: {what}": "上传：{what}",
    "the upload failed": "上传失败",
    "GeoTIFF maps (urban_<year>.tif, slope.tif, ...) or a SLEUTH set (GIFs, or a .zip of the folder)":
        "GeoTIFF 图层（urban_<年份>.tif、slope.tif 等）或 SLEUTH 数据集（GIF，或整个文件夹的 .zip）",
    "GeoPackage, GeoJSON or a zipped Shapefile (replaces the growth boundary lever)":
        "GeoPackage、GeoJSON 或压缩的 Shapefile（取代开发边界设置）",
    "GeoPackage, GeoJSON or a zipped Shapefile (added to the red line lever)":
        "GeoPackage、GeoJSON 或压缩的 Shapefile（叠加于红线设置）",
    "GeoPackage, GeoJSON or a zipped Shapefile (added to the farmland lever)":
        "GeoPackage、GeoJSON 或压缩的 Shapefile（叠加于基本农田设置）",
    "GeoTIFF stack": "GeoTIFF 图层组", "SLEUTH set": "SLEUTH 数据集",
    "{what} of {n} maps: {rows} x {cols} cells of {cell} m ({height} x {width} km), starting from the {year} urban map":
        "{what}，共{n}幅：{rows} x {cols} 个{cell}米单元（{height} x {width} km），自{year}年城镇图起算",
    "{label}: {file}": "{label}：{file}",
    "outside the growth boundary": "开发边界外", "inside the growth boundary": "开发边界内",
    "draw the growth boundary": "绘制城镇开发边界", "use the boundary drawn": "采用所绘边界", "cancel drawing": "取消绘制",
    "click the boundary's corners on the map, then double-click or press the tick; corners so far":
        "在地图上依次点击边界拐点，双击或按勾号完成；已点拐点数",
    "draw at least three corners": "请至少点击三个拐点", "the boundary drawn on the map": "在地图上绘制的边界",
    "the corners drawn lie off the map: draw the boundary on the map": "所绘拐点不在地图上：请在地图范围内绘制边界",
}

__all__ = ["LANGS", "MISSING", "ZH", "check_lang", "condition", "join", "tr", "years"]
