"""Sample city (示例城市): a seeded generator of a fictional survey placed in Shenzhen.

Everything here is fictional: unit names, codes, people, phone numbers, district shapes,
receptors and the population surface are drawn from a seeded random generator; only
the district and street *names* are Shenzhen's. The generator serves three purposes:

* the committed sample in ``resources/sample`` (a few hundred units) that a new user
  imports to see the plugin work end to end;
* test fixtures: :func:`write_city` writes the survey workbooks in the varied layouts
  surveyors produce and injects, at seeded positions, the real-world mess the importer
  must read and the mistakes it must reject or warn about, and returns a manifest that
  says what the importer should find;
* benchmarks: :func:`generate_city` is vectorised (numpy, shapely 2) and builds the
  whole-city case of 1,116,200 units in seconds.

API
---
``generate_city(n_units, seed, hazards_per_unit, profile="sample") -> City``
    clean data: ``units`` and ``hazards`` DataFrames whose columns are the schema keys
    (plus ``wgs84_lon``/``wgs84_lat``, the true location), ``districts``, ``receptors``
    (GeoDataFrames, EPSG:4490) and a population raster (people per 100 m cell, EPSG:4547).
``write_city(city, out_dir, messy=True, seed=None) -> dict``
    survey workbooks ``01_危险化学品.xlsx`` … ``07_特种设备.csv`` and ``manifest.json``.
``write_layers(city, out_dir) -> dict``
    ``districts.gpkg``, ``receptors.gpkg`` and ``population.tif``.

Profiles: ``"sample"`` (default) is the committed sample's generator, byte for byte. ``"city"``
(what ``make bench`` uses) is a real city's harder shape: realistic sector shares
(:data:`CITY_SECTOR_SHARE`), hazard sources per unit by sector (:data:`CITY_HAZARDS_PER_UNIT`,
about 1.75 on average, a hazardous-chemicals unit about nine), a third of the
hazardous-chemicals units inside three dense chemical parks (:data:`DENSE_PARKS`, discs of
:data:`DENSE_PARK_RADIUS_M`, thousands of hazard sources per km²), hazard sources with their
own coordinates tens to a few hundred metres from their unit's point
(:data:`CITY_HAZARD_OFFSET_M`), :data:`CITY_RECEPTORS` receptors at every size, and score
inputs skewed so that the units' inherent levels form a risk pyramid
(:data:`CITY_LEVEL_SHARES`, a planning assumption: docs/benchmarks.md, "The levels the score
inputs give").

No QGIS here; heavy libraries are imported inside the functions that need them.
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
import math
import os
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from plugin.core.ingest import schema
from plugin.core.rules import load_rules

DEFAULT_SEED = 20241128
STORAGE_CRS = "EPSG:4490"
RASTER_CRS = "EPSG:4547"  # CGCS2000 / 3-degree Gauss-Kruger CM 114E (docs/domain/coordinates.md §7)
RASTER_CELL_M = 100.0
RASTER_NODATA = -1
CITY_POPULATION = 17_700_000  # people on the raster (Shenzhen's order of magnitude)
# The survey area's box (lon_min, lat_min, lon_max, lat_max), WGS84.
SHENZHEN_BOX = (113.75, 22.45, 114.60, 22.85)
# Rows per sheet a sector is split at (Excel's hard limit is schema.EXCEL_MAX_ROWS).
MAX_SHEET_ROWS = 1_000_000
SPLIT_RESERVE = 1_000  # room for headers, inserted rows and totals in a split part
FIXED_TIMESTAMP = _dt.datetime(2024, 11, 28, 0, 0, 0)  # stamped into files for reproducible bytes
MANIFEST_NAME = "manifest.json"
CSV_SHEET = "csv"  # the sheet name the reader gives a CSV file (reader.CSV_SHEET)

# =========================================================================================
# Geography (fictional polygons, real names)
# =========================================================================================

# A rough outline of the city (lon, lat), clockwise from the north-west.
_OUTLINE = (
    (113.760, 22.790), (113.820, 22.840), (113.900, 22.850), (113.980, 22.840), (114.050, 22.785),
    (114.120, 22.765), (114.200, 22.780), (114.280, 22.820), (114.360, 22.800), (114.420, 22.770),
    (114.500, 22.700), (114.580, 22.660), (114.600, 22.580), (114.560, 22.520), (114.500, 22.460),
    (114.450, 22.470), (114.420, 22.550), (114.350, 22.580), (114.280, 22.570), (114.220, 22.550),
    (114.170, 22.550), (114.120, 22.530), (114.060, 22.510), (114.000, 22.515), (113.940, 22.500),
    (113.900, 22.470), (113.870, 22.480), (113.860, 22.550), (113.820, 22.620), (113.780, 22.700),
    (113.755, 22.760),
)


@dataclass(frozen=True)
class _District:
    name: str
    name_en: str
    code: str
    abbr: str
    lon: float  # seed of the Voronoi partition
    lat: float
    streets: tuple[str, ...]


_DISTRICTS: tuple[_District, ...] = (
    _District("福田区", "Futian", "440304", "FT", 114.055, 22.545,
              ("园岭", "南园", "福田", "沙头", "梅林", "华富", "香蜜湖", "莲花", "华强北", "福保")),
    _District("罗湖区", "Luohu", "440303", "LH", 114.135, 22.570,
              ("桂园", "黄贝", "东门", "翠竹", "笋岗", "南湖", "莲塘", "东湖", "东晓", "清水河")),
    _District("南山区", "Nanshan", "440305", "NS", 113.935, 22.540,
              ("南头", "南山", "沙河", "蛇口", "招商", "粤海", "桃源", "西丽")),
    _District("盐田区", "Yantian", "440308", "YT", 114.245, 22.575, ("梅沙", "盐田", "沙头角", "海山")),
    _District("宝安区", "Bao'an", "440306", "BA", 113.850, 22.680,
              ("新安", "西乡", "航城", "福永", "福海", "沙井", "新桥", "松岗", "燕罗", "石岩")),
    _District("龙岗区", "Longgang", "440307", "LG", 114.220, 22.680,
              ("平湖", "坂田", "布吉", "南湾", "横岗", "园山", "龙城", "龙岗", "宝龙", "坪地", "吉华")),
    _District("龙华区", "Longhua", "440309", "LW", 114.035, 22.680, ("观湖", "民治", "龙华", "大浪", "福城", "观澜")),
    _District("坪山区", "Pingshan", "440310", "PS", 114.360, 22.720, ("坪山", "坑梓", "龙田", "马峦", "碧岭", "石井")),
    _District("光明区", "Guangming", "440311", "GM", 113.930, 22.780, ("光明", "公明", "新湖", "凤凰", "玉塘", "马田")),
    _District("大鹏新区", "Dapeng", "440312", "DP", 114.480, 22.570, ("葵涌", "大鹏", "南澳")),
)

# Mixture components (lon, lat, sigma in km, weight) for where things are.
_URBAN = (
    (114.055, 22.540, 2.5, 1.00), (114.120, 22.550, 2.0, 0.80), (113.945, 22.535, 2.5, 0.90),
    (113.885, 22.565, 2.5, 0.60), (113.870, 22.590, 2.0, 0.50), (114.040, 22.620, 2.5, 0.70),
    (114.030, 22.660, 2.5, 0.50), (114.250, 22.720, 3.0, 0.60), (114.120, 22.610, 2.0, 0.60),
    (113.830, 22.730, 2.5, 0.50), (114.350, 22.700, 2.5, 0.30), (113.935, 22.760, 2.5, 0.30),
    (114.235, 22.565, 1.5, 0.15), (114.200, 22.650, 2.0, 0.40), (114.060, 22.720, 2.0, 0.30),
    (113.850, 22.770, 2.0, 0.30), (114.480, 22.590, 1.5, 0.05), (113.960, 22.600, 2.0, 0.35),
)
_INDUSTRIAL = (
    (113.820, 22.740, 1.8, 1.0), (113.850, 22.640, 1.5, 0.8), (113.930, 22.680, 1.5, 0.7),
    (114.050, 22.730, 1.5, 0.6), (114.130, 22.690, 1.5, 0.7), (114.300, 22.770, 1.5, 0.5),
    (114.390, 22.740, 1.5, 0.5), (113.900, 22.790, 1.5, 0.6), (114.280, 22.700, 1.5, 0.5),
    (114.070, 22.650, 1.2, 0.5), (114.000, 22.690, 1.2, 0.5), (113.860, 22.700, 1.5, 0.6),
)
# Chemical parks: (name, lon, lat, sigma km, weight).
_CHEM_PARKS = (
    ("坪山精细化工园", 114.400, 22.735, 0.7, 1.0),
    ("葵涌石化仓储区", 114.430, 22.635, 0.6, 0.8),
    ("沙井化工集聚区", 113.815, 22.735, 0.7, 1.0),
    ("坪地化工园", 114.300, 22.775, 0.6, 0.7),
    ("妈湾油库区", 113.890, 22.505, 0.4, 0.5),
    ("光明化工园", 113.905, 22.800, 0.6, 0.6),
)
# The three dense parks of the "city" profile (names of _CHEM_PARKS).
DENSE_PARKS = ("坪山精细化工园", "葵涌石化仓储区", "沙井化工集聚区")
_PORTS = ((114.265, 22.575, 1.0, 1.0), (113.900, 22.485, 0.8, 0.8), (113.850, 22.570, 0.8, 0.5))
# Green hills where few people live (lon, lat, sigma km).
_HILLS = ((114.190, 22.585, 2.0), (113.990, 22.580, 1.5), (113.960, 22.660, 1.8), (114.320, 22.640, 2.5),
          (114.550, 22.510, 2.5), (114.020, 22.560, 0.8), (114.450, 22.680, 2.5))

_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQ = 111_320.0

# =========================================================================================
# Words for names
# =========================================================================================

_WORDS = (
    "金鹏", "宏达", "华信", "恒通", "永泰", "瑞丰", "鹏程", "远航", "佳联", "德润", "富源", "新锐", "嘉盛",
    "泰和", "安信", "万利", "兴达", "联创", "天成", "海纳", "龙腾", "锦绣", "朗润", "恒昌", "盛世", "华业",
    "宝利", "立信", "顺发", "广源", "骏达", "昌盛", "宏图", "金穗", "荣达", "信和", "凯旋", "和顺", "通达",
    "鑫源", "裕丰", "正达", "长兴", "华盛", "鸿运", "百川", "东升", "中诚", "瀚海", "君安", "嘉华", "永盛",
    "汇通", "海博", "博远", "启明", "方圆", "明辉", "晨辉", "新城",
)
_CHEM_WORDS = ("化工", "精细化工", "新材料科技", "化学工业", "石化科技", "涂料")
_PROD_WORDS = ("电子科技", "五金制品", "塑胶制品", "精密机械", "食品", "印刷", "家具", "新能源科技", "光电科技",
               "包装材料")
_ROADS = (
    "工业大道", "创业路", "兴业路", "科技路", "建设路", "人民路", "中心路", "环城路", "新园路", "东环路",
    "西环路", "南环路", "北环路", "和平路", "振兴路", "富民路", "同富路", "桂花路", "松白路", "学府路",
    "创新路", "滨河路", "发展大道", "青年路", "文化路", "民康路", "荔园路", "福民路", "龙翔大道", "沿河路",
)
_SURNAMES = tuple("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁郑谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余杜叶"
                  "程魏苏吕丁任沈姚卢钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛")
_GIVEN = tuple("伟芳娜敏静强磊军洋勇艳杰涛明超霞平刚桂英华丽建国志文斌辉玲鹏飞宇浩俊红梅海燕晓东雪琳")
_MOBILE_PREFIXES = ("133", "135", "136", "137", "138", "139", "150", "151", "152", "158", "159", "177",
                    "180", "181", "186", "187", "188", "189", "198", "199")

# =========================================================================================
# Sectors: unit types, hazard kinds, substances
# =========================================================================================

_SECTOR_IDS = tuple(s.id for s in schema.SECTORS)
_SECTOR_PREFIX = {"hazchem": "HC", "gas": "GS", "industry": "IT", "construction": "CS",
                  "transport": "TR", "fire": "FR", "special_equipment": "SE"}
# Shares of the city's units (fire and industry most numerous, hazchem and gas few).
_SECTOR_SHARE = {"hazchem": 0.006, "gas": 0.008, "industry": 0.33, "construction": 0.04,
                 "transport": 0.05, "fire": 0.48, "special_equipment": 0.086}
# The "city" profile: shares closer to a real city's survey (Shenzhen-like: fire safety's
# crowded places and small premises are the majority, then industry and trade; hazardous
# chemicals a few thousand units), hazard sources per unit by sector (low, high), uniform.
CITY_SECTOR_SHARE = {"hazchem": 0.004, "gas": 0.012, "industry": 0.22, "construction": 0.015,
                     "transport": 0.03, "fire": 0.62, "special_equipment": 0.099}
CITY_HAZARDS_PER_UNIT = {"hazchem": (3, 15), "gas": (1, 4), "industry": (1, 3), "construction": (2, 5),
                         "transport": (1, 3), "fire": (1, 2), "special_equipment": (1, 3)}
# (min, max) distance in metres of a hazard source's own point from its unit's, per sector
# (uniform over the disc between them); sectors not listed have no own coordinates.
CITY_HAZARD_OFFSET_M = {"hazchem": (20.0, 250.0), "gas": (10.0, 120.0), "industry": (10.0, 150.0)}
DENSE_PARK_SHARE = 1 / 3  # of the hazardous-chemicals units, inside the dense parks
DENSE_PARK_RADIUS_M = 500.0
CITY_RECEPTORS = 20_000
# The "city" profile's risk pyramid (issue 12): the share of a sector's units at each inherent
# level (1, 2, 3, 4; before any upgrade) that the score inputs are drawn to give. A planning
# assumption, not a measurement — no published city-wide distribution was at hand: most units
# low, few high; hazardous chemicals and gas more severe than construction, industry and
# transport, fire safety and special equipment the mildest. Over the profile's sector shares
# the city has about 1.4 % level 1, 6 % level 2, 23 % level 3 and 70 % level 4. For hazardous
# chemicals and gas it is the share of the units scored by LEC (not major hazard sources);
# the major hazard sources are graded by GB 18218's R from their quantities, unchanged.
CITY_LEVEL_SHARES = {"hazchem": (0.08, 0.17, 0.35, 0.40), "gas": (0.05, 0.12, 0.33, 0.50),
                     "construction": (0.03, 0.10, 0.30, 0.57), "industry": (0.02, 0.07, 0.25, 0.66),
                     "transport": (0.02, 0.07, 0.25, 0.66), "fire": (0.01, 0.05, 0.22, 0.72),
                     "special_equipment": (0.01, 0.05, 0.22, 0.72)}
PROFILES = ("sample", "city")
CITY_PROFILE_VERSION = 3  # bump when the "city" profile's output changes (the bench caches cities by it)
_SECTOR_MIN_UNITS = 25  # small cities still get a useful number of each sector
_LEC_SECTORS = ("hazchem", "gas", "industry", "construction")
# (credit code prefix weights) per unit type are set in _UNIT_TYPES below.

# Substances: key → (written name, CAS, GB 18218 Table 2 category if not in Table 1,
#                    liquid density t/m3 or None, storage equipment).
_SUBSTANCES: dict[str, tuple[str, str, str, float | None, str]] = {
    "ammonia": ("液氨", "7664-41-7", "", 0.61, "pressurised"),
    "chlorine": ("液氯", "7782-50-5", "", 1.47, "pressurised"),
    "methanol": ("甲醇", "67-56-1", "", 0.79, "atmospheric"),
    "gasoline": ("汽油", "86290-81-5", "", 0.74, "atmospheric"),
    "benzene": ("苯", "71-43-2", "", 0.88, "atmospheric"),
    "toluene": ("甲苯", "108-88-3", "", 0.87, "atmospheric"),
    "acetone": ("丙酮", "67-64-1", "", 0.79, "atmospheric"),
    "ethanol": ("乙醇", "64-17-5", "", 0.79, "atmospheric"),
    "ethyl_acetate": ("乙酸乙酯", "141-78-6", "", 0.90, "atmospheric"),
    "ethylene_oxide": ("环氧乙烷", "75-21-8", "", 0.88, "pressurised"),
    "hydrogen": ("氢气", "1333-74-0", "", None, "pressurised"),
    "acetylene": ("乙炔", "74-86-2", "", None, "pressurised"),
    "lpg": ("液化石油气", "68476-85-7", "", 0.55, "pressurised"),
    "oxygen": ("液氧", "7782-44-7", "", 1.14, "pressurised"),
    "so2": ("二氧化硫", "7446-09-5", "", 1.46, "pressurised"),
    "hexane": ("正己烷", "110-54-3", "", 0.66, "atmospheric"),
    "styrene": ("苯乙烯", "100-42-5", "", 0.91, "atmospheric"),
    "vcm": ("氯乙烯", "75-01-4", "", 0.91, "pressurised"),
    "dme": ("二甲醚", "115-10-6", "", 0.67, "pressurised"),
    "acrylonitrile": ("丙烯腈", "107-13-1", "", 0.81, "atmospheric"),
    "nitric_acid": ("硝酸", "7697-37-2", "", 1.41, "atmospheric"),
    "sodium_chlorate": ("氯酸钠", "7775-09-9", "", None, "building"),
    "calcium_carbide": ("电石", "75-20-7", "", None, "building"),
    "natural_gas": ("天然气", "8006-14-2", "", None, "auxiliary"),
    "lng": ("液化天然气", "8006-14-2", "", 0.45, "pressurised"),
    "sodium_cyanide": ("氰化钠", "143-33-9", "J2", None, "building"),
    "thinner": ("稀释剂", "", "W5.3", None, "building"),
    "paint": ("油性涂料", "", "W5.4", None, "building"),
    "bpo": ("过氧化苯甲酰", "94-36-0", "W7.1", None, "building"),
    "calcium_hypochlorite": ("次氯酸钙", "7778-54-3", "W9.2", None, "building"),
    "sodium_borohydride": ("硼氢化钠", "16940-66-2", "W11", None, "building"),
    "butanol": ("正丁醇", "71-36-3", "W5.4", 0.81, "atmospheric"),
}


LARGE_STORE_SHARE = 0.05  # share of substance hazards that are large stores
LARGE_STORE_Q_OVER_Q = (2.0, 40.0)  # their q/Q, uniform


@dataclass(frozen=True)
class _Kind:
    """A hazard kind: what the kind column says and how its values are drawn."""

    label: str  # 危险源类型
    names: tuple[str, ...]  # name templates: {n} sequence, {sub} substance
    equipment: tuple[tuple[str, float], ...] = ()  # (id or "substance", weight); () → blank
    substances: tuple[str, ...] = ()
    q_mu: float = 0.0  # quantity = min(Q, 300 t) · exp(N(q_mu, q_sigma))
    q_sigma: float = 0.0
    volume: bool = False  # a tank: volume from quantity and density


_KINDS: dict[str, dict[str, _Kind]] = {
    "hazchem": {
        "tank": _Kind("储罐", ("{n}号{sub}储罐",), (("substance", 1.0),),
                      ("ammonia", "methanol", "benzene", "toluene", "acetone", "ethanol", "ethyl_acetate",
                       "ethylene_oxide", "styrene", "vcm", "acrylonitrile", "hexane", "dme", "nitric_acid",
                       "butanol"), -1.5, 1.0, True),
        "process": _Kind("生产装置", ("{n}号生产装置（{sub}）", "{sub}合成装置"),
                         (("elongated", 0.6), ("auxiliary", 0.4)),
                         ("methanol", "toluene", "acetone", "hydrogen", "chlorine", "ethyl_acetate", "styrene",
                          "acrylonitrile"), -2.2, 1.0),
        "warehouse": _Kind("仓库", ("{n}号甲类仓库", "{sub}仓库", "{n}号危险化学品库房"), (("building", 1.0),),
                           ("sodium_chlorate", "calcium_carbide", "sodium_cyanide", "bpo", "calcium_hypochlorite",
                            "sodium_borohydride", "thinner", "paint", "methanol", "ethyl_acetate", "acetone"),
                           -2.2, 1.1),
        "tank_farm": _Kind("储罐区", ("{sub}储罐区", "{n}号罐区"), (("substance", 1.0),),
                           ("methanol", "gasoline", "toluene", "ethanol", "benzene", "acetone", "ethyl_acetate",
                            "hexane"), -0.8, 0.8, True),
        "loading": _Kind("装卸站台", ("{sub}装卸栈台", "{n}号装车鹤位"), (("auxiliary", 1.0),),
                         ("gasoline", "methanol", "lpg", "ammonia"), -2.5, 0.8),
        "gas_tank": _Kind("储罐", ("{n}号{sub}储罐", "{sub}储槽"), (("pressurised", 1.0),),
                          ("oxygen", "ammonia", "chlorine", "so2", "lpg"), -1.2, 0.9, True),
        "cylinder": _Kind("气瓶充装站", ("{sub}气瓶充装间", "{sub}实瓶库"), (("building", 0.5), ("pressurised", 0.5)),
                          ("hydrogen", "acetylene", "chlorine", "ammonia", "oxygen"), -2.0, 0.9),
        "fuel_tank": _Kind("储罐", ("{n}号{sub}储罐",), (("atmospheric", 1.0),), ("gasoline", "methanol"),
                           -0.5, 0.7, True),
    },
    "gas": {
        "lpg_sphere": _Kind("储罐", ("{n}号液化石油气球罐", "{n}号液化石油气卧罐"), (("pressurised", 1.0),), ("lpg",),
                            0.3, 0.6, True),
        "lpg_store": _Kind("气瓶库", ("液化石油气瓶库", "{n}号实瓶间"), (("building", 1.0),), ("lpg",), -3.0, 0.6),
        "fuel_ug_tank": _Kind("储罐", ("{n}号汽油埋地储罐",), (("atmospheric", 1.0),), ("gasoline",), -2.5, 0.4, True),
        "lng_tank": _Kind("储罐", ("{n}号LNG储罐",), (("pressurised", 1.0),), ("lng",), -1.0, 0.9, True),
        "dispenser": _Kind("加气区", ("加油加气作业区", "{n}号加气机"), (("auxiliary", 1.0),)),
        "regulator": _Kind("调压站", ("调压设施", "{n}号调压箱"), (("auxiliary", 1.0),), ("natural_gas",), -6.0, 0.5),
        "gas_loading": _Kind("装卸站台", ("液化石油气装卸台", "{n}号卸车位"), (("auxiliary", 1.0),), ("lpg",),
                             -2.5, 0.6),
    },
    "industry": {
        "dust": _Kind("粉尘涉爆场所", ("{n}号抛光打磨车间", "粉尘涉爆车间{n}"), (("building", 1.0),)),
        "confined": _Kind("有限空间", ("{n}号有限空间（污水池）", "化粪池有限空间"), (("auxiliary", 1.0),)),
        "paint": _Kind("喷涂作业", ("{n}号喷涂线", "喷漆房"), (("building", 1.0),), ("paint", "thinner"), -4.0, 0.8),
        "chem_store": _Kind("危险化学品使用仓库", ("化学品仓库", "{n}号化学品暂存间"), (("building", 1.0),),
                            ("thinner", "ethanol", "acetone", "ethyl_acetate", "paint"), -4.5, 0.9),
        "machining": _Kind("机械加工", ("{n}号机加工车间", "冲压车间"), (("building", 1.0),)),
        "melting": _Kind("金属冶炼", ("{n}号熔炼炉", "铝水熔炼车间"), (("building", 1.0),)),
        "ammonia": _Kind("涉氨制冷", ("氨制冷机房", "{n}号冷库"), (("pressurised", 1.0),), ("ammonia",), -1.2, 0.6),
    },
    "construction": {
        "excavation": _Kind("深基坑", ("{n}号深基坑", "基坑支护工程")),
        "formwork": _Kind("高大模板", ("高大模板支撑体系（{n}区）",)),
        "tower_crane": _Kind("塔式起重机", ("{n}#塔式起重机",)),
        "scaffold": _Kind("脚手架", ("附着式升降脚手架", "{n}号悬挑脚手架")),
        "hoist": _Kind("施工升降机", ("{n}#施工升降机",)),
        "power": _Kind("临时用电", ("施工临时用电",)),
        "lifting": _Kind("起重吊装", ("起重吊装作业",)),
    },
    "transport": {
        "dg_park": _Kind("危险货物运输车辆停车场", ("危险货物运输车辆停车场",)),
        "dg_vehicle": _Kind("危险货物运输车辆", ("{n}号危货运输车辆",)),
        "bus_charging": _Kind("充电场站", ("新能源公交充电区",)),
        "bus_repair": _Kind("维修车间", ("车辆维修车间",)),
        "waiting_hall": _Kind("候车厅", ("候车大厅",)),
        "coach": _Kind("营运客车", ("{n}号营运客车",)),
        "station_hall": _Kind("地铁车站", ("站厅层", "站台层", "{n}号出入口")),
        "container_yard": _Kind("港口堆场", ("集装箱堆场", "危险货物集装箱堆场")),
        "berth": _Kind("码头泊位", ("{n}号泊位",)),
        "warehouse_tr": _Kind("物流仓库", ("{n}号物流仓库",)),
        "forklift_area": _Kind("装卸作业区", ("装卸作业区",)),
    },
    "fire": {
        "sales_hall": _Kind("人员密集场所", ("营业厅", "{n}层商场")),
        "basement": _Kind("地下空间", ("地下车库", "地下商业街")),
        "ebike": _Kind("电动自行车停放充电场所", ("电动自行车停放充电区",)),
        "kitchen": _Kind("用火用气场所", ("厨房", "餐饮区")),
        "electrical": _Kind("电气线路", ("配电房", "电气线路")),
        "evacuation": _Kind("疏散设施", ("疏散通道及安全出口",)),
        "fire_control": _Kind("消防设施", ("消防控制室", "自动喷水灭火系统")),
        "rooms": _Kind("人员密集场所", ("客房", "包间")),
        "storage": _Kind("仓储场所", ("{n}号仓库", "仓储区")),
        "mixed_use": _Kind("三合一场所", ("经营与住宿混合（三合一）",)),
        "highrise": _Kind("高层建筑", ("高层建筑竖井", "避难层", "外墙保温系统")),
    },
    "special_equipment": {
        "boiler": _Kind("锅炉", ("{n}号燃气锅炉", "{n}号蒸汽锅炉"), (("pressurised", 1.0),)),
        "vessel": _Kind("压力容器", ("{n}号储气罐", "{n}号压力容器"), (("pressurised", 1.0),)),
        "piping": _Kind("压力管道", ("蒸汽管道", "工业管道"), (("elongated", 1.0),)),
        "crane": _Kind("起重机械", ("{n}号桥式起重机", "{n}号门式起重机")),
        "forklift": _Kind("场（厂）内专用机动车辆", ("{n}号叉车",)),
        "elevator": _Kind("电梯", ("{n}号电梯", "{n}号客梯")),
        "escalator": _Kind("电梯", ("{n}号自动扶梯",)),
        "oxygen": _Kind("压力容器", ("医用液氧储罐",), (("pressurised", 1.0),)),
        "ride": _Kind("大型游乐设施", ("过山车", "摩天轮", "{n}号大型游乐设施")),
        "cylinders": _Kind("气瓶", ("气瓶充装间",), (("pressurised", 1.0),)),
    },
}


@dataclass(frozen=True)
class _UnitType:
    id: str
    weight: float
    where: str  # location model: chem, chem_spread, industrial, urban, spread, port
    names: tuple[str, ...]
    employees: tuple[float, float]  # median, log-sigma
    kinds: tuple[tuple[str, float], ...]
    credit_prefix: str = "91"


_UNIT_TYPES: dict[str, tuple[_UnitType, ...]] = {
    "hazchem": (
        _UnitType("plant", 0.35, "chem", ("深圳市{word}{chem}有限公司", "深圳{place}{word}{chem}有限公司"), (90, 0.8),
                  (("tank", 3), ("process", 2), ("warehouse", 2))),
        _UnitType("storage", 0.25, "chem", ("深圳市{word}危险品仓储有限公司", "深圳市{place}{word}化工仓储有限公司"),
                  (40, 0.6), (("tank_farm", 3), ("warehouse", 3), ("loading", 1))),
        _UnitType("gases", 0.15, "chem", ("深圳市{word}工业气体有限公司", "深圳市{place}{word}气体有限公司"), (35, 0.6),
                  (("gas_tank", 2), ("cylinder", 3))),
        _UnitType("trading", 0.15, "chem_spread", ("深圳市{word}化工贸易有限公司", "深圳市{place}{word}化工有限公司"),
                  (15, 0.6), (("warehouse", 1),)),
        _UnitType("depot", 0.10, "chem", ("深圳市{word}石油化工有限公司{place}油库", "{place}{word}油库"), (45, 0.5),
                  (("fuel_tank", 3), ("loading", 1))),
    ),
    "gas": (
        _UnitType("lpg_depot", 0.06, "chem",
                  ("深圳市{word}燃气有限公司{place}液化石油气储配站", "{place}液化石油气储配站"),
                  (40, 0.5), (("lpg_sphere", 3), ("lpg_store", 1), ("gas_loading", 1))),
        _UnitType("bottle_shop", 0.34, "urban", ("深圳市{word}燃气有限公司{place}供应站", "{place}瓶装液化气供应站"),
                  (8, 0.5), (("lpg_store", 1),)),
        _UnitType("station", 0.35, "spread", ("{place}{word}加油加气站", "深圳{word}能源有限公司{place}加气站"),
                  (18, 0.4),
                  (("fuel_ug_tank", 3), ("lng_tank", 1), ("dispenser", 1))),
        _UnitType("regulator", 0.20, "urban", ("{place}天然气调压站", "{place}{word}燃气调压柜"), (3, 0.4),
                  (("regulator", 1),)),
        _UnitType("lng", 0.05, "chem", ("深圳市{word}液化天然气储备库", "{place}LNG气化站"), (30, 0.5),
                  (("lng_tank", 3), ("gas_loading", 1))),
    ),
    "industry": (
        _UnitType("electronics", 0.30, "industrial",
                  ("深圳市{word}电子科技有限公司", "深圳市{word}光电有限公司", "深圳市{place}{word}精密电子有限公司"),
                  (220, 0.9), (("dust", 1), ("confined", 1), ("paint", 1), ("chem_store", 2), ("machining", 2))),
        _UnitType("metal", 0.25, "industrial",
                  ("深圳市{word}五金制品有限公司", "深圳市{word}金属制品有限公司", "深圳市{place}{word}模具有限公司"),
                  (120, 0.8), (("dust", 3), ("melting", 1), ("machining", 3), ("paint", 1))),
        _UnitType("plastics", 0.15, "industrial", ("深圳市{word}塑胶制品有限公司", "深圳市{word}包装材料有限公司"),
                  (100, 0.8), (("machining", 2), ("chem_store", 1), ("confined", 1))),
        _UnitType("food", 0.10, "industrial", ("深圳市{word}食品有限公司", "深圳市{place}{word}冷链物流有限公司"),
                  (150, 0.8), (("ammonia", 2), ("confined", 2), ("dust", 1))),
        _UnitType("furniture", 0.10, "industrial", ("深圳市{word}家具有限公司", "深圳市{word}木业有限公司"), (90, 0.7),
                  (("dust", 3), ("paint", 2))),
        _UnitType("printing", 0.10, "industrial", ("深圳市{word}印刷有限公司", "深圳市{word}彩印包装有限公司"),
                  (80, 0.7),
                  (("chem_store", 2), ("confined", 1), ("machining", 1))),
    ),
    "construction": (
        _UnitType("housing", 0.40, "spread",
                  ("{place}{word}花园项目工地", "{place}人才住房项目工地", "{place}保障性住房项目工地"),
                  (220, 0.6), (("excavation", 2), ("formwork", 2), ("tower_crane", 3), ("scaffold", 2),
                               ("hoist", 2), ("power", 1))),
        _UnitType("renewal", 0.25, "urban", ("{place}城市更新单元项目工地", "{place}{word}旧改项目工地"), (260, 0.6),
                  (("excavation", 3), ("formwork", 2), ("tower_crane", 3), ("scaffold", 1), ("lifting", 1))),
        _UnitType("metro", 0.10, "urban", ("地铁{line}号线{place}站项目工地",), (180, 0.5),
                  (("excavation", 4), ("lifting", 2), ("power", 1))),
        _UnitType("public", 0.15, "spread", ("{place}学校改扩建工程项目工地", "{place}医院新建工程项目工地",
                                              "{place}体育中心项目工地"),
                  (150, 0.5), (("excavation", 1), ("formwork", 2), ("tower_crane", 2), ("scaffold", 2))),
        _UnitType("industrial", 0.10, "industrial", ("{place}{word}产业园项目工地",), (160, 0.5),
                  (("tower_crane", 2), ("lifting", 2), ("scaffold", 1), ("power", 1))),
    ),
    "transport": (
        _UnitType("dg_fleet", 0.20, "industrial",
                  ("深圳市{word}危险货物运输有限公司", "深圳市{word}危险品物流有限公司"),
                  (60, 0.6), (("dg_park", 2), ("dg_vehicle", 3))),
        _UnitType("bus", 0.25, "urban", ("{place}公交总站", "{place}{word}公交场站"), (80, 0.5),
                  (("bus_charging", 2), ("bus_repair", 1))),
        _UnitType("coach", 0.10, "urban", ("{place}汽车客运站",), (120, 0.5), (("waiting_hall", 2), ("coach", 1))),
        _UnitType("metro", 0.25, "urban", ("地铁{line}号线{place}站",), (40, 0.4), (("station_hall", 1),)),
        _UnitType("port", 0.05, "port", ("{place}港区{word}集装箱码头", "深圳{word}港务有限公司"), (400, 0.6),
                  (("container_yard", 2), ("berth", 2))),
        _UnitType("logistics", 0.15, "industrial", ("深圳市{word}物流有限公司", "{place}{word}物流园"), (150, 0.7),
                  (("warehouse_tr", 2), ("forklift_area", 1))),
    ),
    "fire": (
        _UnitType("mall", 0.12, "urban", ("{place}{word}购物中心", "{word}广场", "{place}{word}商业中心"), (600, 0.7),
                  (("sales_hall", 3), ("basement", 1), ("kitchen", 1), ("electrical", 1), ("fire_control", 1))),
        _UnitType("highrise", 0.20, "urban", ("{word}大厦", "{place}{word}花园（高层住宅）"), (40, 0.8),
                  (("highrise", 2), ("ebike", 2), ("basement", 1), ("fire_control", 1))),
        _UnitType("hotel", 0.10, "urban", ("{place}{word}酒店", "{word}大酒店"), (80, 0.7),
                  (("rooms", 2), ("kitchen", 1), ("evacuation", 1))),
        _UnitType("market", 0.08, "urban", ("{place}农贸市场", "{place}{word}批发市场"), (60, 0.6),
                  (("sales_hall", 2), ("electrical", 2), ("storage", 1))),
        _UnitType("entertainment", 0.10, "urban", ("{word}网吧", "{word}KTV", "{place}{word}影城"), (25, 0.6),
                  (("rooms", 2), ("evacuation", 2), ("electrical", 1))),
        _UnitType("small", 0.30, "spread", ("{place}{word}商行", "{word}便利店", "{place}{word}小作坊", "{word}餐厅"),
                  (6, 0.6), (("mixed_use", 2), ("electrical", 2), ("kitchen", 1)), "92"),
        _UnitType("warehouse", 0.10, "industrial", ("深圳市{word}仓储有限公司", "{place}{word}物流仓库"), (40, 0.7),
                  (("storage", 3), ("electrical", 1), ("ebike", 1))),
    ),
    "special_equipment": (
        _UnitType("factory", 0.35, "industrial", ("深圳市{word}{prod}有限公司",), (200, 0.8),
                  (("boiler", 1), ("vessel", 2), ("piping", 1), ("crane", 2), ("forklift", 2))),
        _UnitType("property", 0.30, "urban", ("深圳市{word}物业管理有限公司{place}管理处", "{place}{word}大厦"),
                  (30, 0.6),
                  (("elevator", 5), ("escalator", 1))),
        _UnitType("hospital", 0.10, "urban", ("{place}人民医院", "深圳市{place}医院"), (900, 0.5),
                  (("boiler", 1), ("vessel", 1), ("elevator", 2), ("oxygen", 1)), "12"),
        _UnitType("amusement", 0.05, "spread", ("{place}{word}游乐园", "{word}欢乐世界"), (150, 0.6),
                  (("ride", 3), ("elevator", 1))),
        _UnitType("gasfill", 0.10, "industrial", ("深圳市{word}气瓶检验有限公司", "深圳市{word}特种气体有限公司"),
                  (30, 0.5),
                  (("vessel", 2), ("cylinders", 2))),
        _UnitType("hotel", 0.10, "urban", ("{place}{word}酒店",), (100, 0.6), (("boiler", 1), ("elevator", 3))),
    ),
}

# LEC value weights (docs/domain/scoring.md §2): most hazards low, a few extreme.
_LEC_WEIGHTS = {
    "normal": ((0.01, 0.04, 0.20, 0.40, 0.20, 0.10, 0.05), (0.03, 0.30, 0.30, 0.17, 0.15, 0.05),
               (0.005, 0.03, 0.15, 0.35, 0.30, 0.165)),
    "chem": ((0.01, 0.04, 0.15, 0.40, 0.25, 0.10, 0.05), (0.05, 0.40, 0.25, 0.15, 0.10, 0.05),
             (0.02, 0.08, 0.30, 0.35, 0.20, 0.05)),
    "severe": ((0.02, 0.08, 0.30, 0.35, 0.15, 0.07, 0.03), (0.05, 0.45, 0.25, 0.15, 0.07, 0.03),
               (0.02, 0.10, 0.35, 0.30, 0.18, 0.05)),
}
_LEC_PROFILE = {"hazchem": "chem", "gas": "chem", "industry": "normal", "construction": "severe"}
_LS_WEIGHTS = ((0.30, 0.35, 0.20, 0.10, 0.05), (0.15, 0.30, 0.30, 0.18, 0.07))


def hazard_level_shares(unit_shares, lo: int, hi: int) -> np.ndarray:
    """The shares of levels 1–4 for one hazard source such that a unit's worst of ``m``
    independent hazard sources, ``m`` uniform over ``lo``..``hi``, has the levels of
    ``unit_shares``: P(unit ≤ k) = mean over m of 1 − (1 − P(hazard ≤ k))^m, solved for each
    k by bisection (the right side grows with P(hazard ≤ k))."""
    target = np.cumsum(np.asarray(unit_shares, dtype=float))[:3]
    m = np.arange(int(lo), int(hi) + 1, dtype=float)
    a, b = np.zeros(3), np.ones(3)
    for _ in range(60):
        mid = (a + b) / 2
        low = 1 - ((1 - mid[:, None]) ** m).mean(axis=1) < target
        a, b = np.where(low, mid, a), np.where(low, b, mid)
    return np.diff(np.r_[0.0, (a + b) / 2, 1.0])


def _draw_by_level(rng, level: np.ndarray, combos: np.ndarray, combo_level: np.ndarray,
                   combo_weight: np.ndarray) -> np.ndarray:
    """For each hazard source, a row of ``combos`` (factor values) of its ``level``, drawn
    with the combinations' weights."""
    out = np.full((len(level), combos.shape[1]), np.nan)
    for k in (1, 2, 3, 4):
        rows = np.flatnonzero(level == k)
        cand = np.flatnonzero(combo_level == k)
        if len(rows) and len(cand):
            out[rows] = combos[cand[rng.choice(len(cand), size=len(rows), p=_weights(combo_weight[cand]))]]
    return out


def _city_scores(rng, sector: np.ndarray, lec_sectors: np.ndarray) -> dict[str, np.ndarray]:
    """The "city" profile's score inputs (L, E, C; likelihood, severity) for hazard sources of
    ``sector``: first each source's level, from :func:`hazard_level_shares` of the sector's
    :data:`CITY_LEVEL_SHARES` and :data:`CITY_HAZARDS_PER_UNIT`, then factor values that give
    that level under the rules' bands, weighted among themselves as the sample's weights
    (``_LEC_WEIGHTS`` by the sector's profile, ``_LS_WEIGHTS``) weight them."""
    import itertools

    rules = load_rules()
    m = len(sector)
    level = np.zeros(m, dtype=np.int8)
    for s, shares in CITY_LEVEL_SHARES.items():
        ms = sector == s
        if ms.any():
            p = hazard_level_shares(shares, *CITY_HAZARDS_PER_UNIT[s])
            level[ms] = rng.choice(4, size=int(ms.sum()), p=p) + 1
    lec = rules.lec.factors
    out = {c: np.full(m, np.nan) for c in ("L", "E", "C", "likelihood", "severity")}
    idx = np.array(list(itertools.product(range(len(lec["L"])), range(len(lec["E"])), range(len(lec["C"])))))
    combos = np.column_stack([np.asarray(lec[f], dtype=float)[idx[:, i]] for i, f in enumerate(("L", "E", "C"))])
    combo_level = rules.lec.level_of(np.prod(combos, axis=1))
    for s, prof in _LEC_PROFILE.items():
        ms = sector == s
        if ms.any():
            w = np.prod([_weights(wf)[idx[:, i]] for i, wf in enumerate(_LEC_WEIGHTS[prof])], axis=0)
            vals = _draw_by_level(rng, level[ms], combos, combo_level, w)
            out["L"][ms], out["E"][ms], out["C"][ms] = vals.T
    ls = ~lec_sectors
    if ls.any():
        idx = np.array(list(itertools.product(range(5), range(5))))
        combos = np.column_stack([np.asarray(rules.ls.factors[f], dtype=float)[idx[:, i]]
                                  for i, f in enumerate(("likelihood", "severity"))])
        w = np.prod([_weights(wf)[idx[:, i]] for i, wf in enumerate(_LS_WEIGHTS)], axis=0)
        vals = _draw_by_level(rng, level[ls], combos, rules.ls.level_of(np.prod(combos, axis=1)), w)
        out["likelihood"][ls], out["severity"][ls] = vals.T
    return out
_NOTES = ("重点监管", "已完成隐患整改", "季节性使用", "2023年新增", "待复核", "已纳入双重预防机制")

# Receptors: class word, weight, name templates.
_RECEPTORS = (
    ("小学", 0.10, ("{place}小学", "{place}第二小学", "{place}{word}小学", "{place}实验学校")),
    ("中学", 0.06, ("{place}中学", "{place}实验中学", "{place}第二中学")),
    ("幼儿园", 0.14, ("{place}{word}幼儿园", "{word}幼儿园", "{place}第一幼儿园")),
    ("医院", 0.03, ("{place}人民医院", "深圳市{place}医院", "{word}医院", "{place}中医院")),
    ("卫生院", 0.03, ("{place}卫生院", "{place}社区健康服务中心")),
    ("养老院", 0.02, ("{place}养老院", "{word}颐养院")),
    ("敬老院", 0.02, ("{place}敬老院",)),
    ("住宅小区", 0.30, ("{word}花园", "{place}{word}苑", "{word}雅居", "{place}{word}小区", "{word}山庄")),
    ("商场", 0.05, ("{word}广场", "{place}{word}购物中心")),
    ("地铁站", 0.05, ("{place}站", "{place}{word}站")),
    ("酒店", 0.06, ("{word}酒店", "{place}{word}大酒店")),
    ("办公楼", 0.07, ("{word}大厦", "{place}{word}中心")),
    ("体育馆", 0.01, ("{place}体育馆", "{place}文体中心")),
    ("政府机关", 0.03, ("{place}街道办事处", "{place}派出所")),
    ("菜市场", 0.02, ("{place}农贸市场", "{place}菜市场")),
    ("图书馆", 0.01, ("{place}图书馆",)),
)
_RECEPTOR_AREA_CLASSES = ("小学", "中学", "医院", "住宅小区")


# =========================================================================================
# The city
# =========================================================================================


@dataclass
class City:
    """A generated city: clean survey data and the layers around it.

    ``units`` and ``hazards`` have the schema's keys as columns (docs/domain/survey.md §2) with
    clean values: sector, crs and equipment as ids (``hazchem``, ``GCJ02``,
    ``pressurised``), quantities in tonnes, dates as ``datetime64``. ``lon``/``lat`` are in
    the row's own coordinate system (``crs``) — GCJ-02 and BD-09 rows hold the offset
    coordinates a web map shows — and ``wgs84_lon``/``wgs84_lat`` hold the true location.
    Hazards without their own location (the unit's is used) have NaN coordinates.
    """

    seed: int
    units: pd.DataFrame
    hazards: pd.DataFrame
    districts: Any  # GeoDataFrame: name, name_en, code (EPSG:4490)
    receptors: Any  # GeoDataFrame: name, class; points and a few polygons (EPSG:4490)
    population: np.ndarray  # int16 people per 100 m cell; RASTER_NODATA outside the city
    population_transform: Any  # affine.Affine of the raster (EPSG:4547)
    population_crs: str = RASTER_CRS
    population_nodata: int = RASTER_NODATA
    boundary: Any = None  # shapely Polygon of the city (EPSG:4490)
    parks: pd.DataFrame = field(default_factory=pd.DataFrame)  # chemical parks: name, lon, lat
    profile: str = "sample"  # PROFILES

    @property
    def n_units(self) -> int:
        return len(self.units)

    @property
    def n_hazards(self) -> int:
        return len(self.hazards)


# --- coordinate offsets (docs/domain/coordinates.md §2, §3) ------------------------------

def _wgs84_to(system: str, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 → the given system's coordinates (what a surveyor copies off that map)."""
    from plugin.core.coords import gcj02_to_bd09, wgs84_to_gcj02

    if system in ("WGS84", "CGCS2000"):
        return lon, lat
    glon, glat = wgs84_to_gcj02(lon, lat)
    if system == "GCJ02":
        return glon, glat
    return gcj02_to_bd09(glon, glat)


# --- small vectorised helpers ------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _fill(template: str, fields: dict[str, np.ndarray], n: int) -> np.ndarray:
    """Vectorised ``template.format(**fields)`` over object arrays of strings."""
    out = np.full(n, "", dtype=object)
    for k, part in enumerate(_PLACEHOLDER.split(template)):
        if k % 2 == 0:
            if part:
                out = out + part
        else:
            out = out + fields[part]
    return out


def _fill_choice(templates: tuple[str, ...], choice: np.ndarray, fields: dict[str, np.ndarray]) -> np.ndarray:
    out = np.empty(len(choice), dtype=object)
    for t, tpl in enumerate(templates):
        m = choice == t
        if m.any():
            out[m] = _fill(tpl, {k: v[m] for k, v in fields.items()}, int(m.sum()))
    return out


def _int_text(values: np.ndarray, width: int = 0) -> np.ndarray:
    """Integers → object array of decimal strings, zero-padded to ``width``."""
    ints = np.asarray(values, dtype=np.int64)
    if hasattr(np, "strings"):  # numpy 2: variable-width strings and a vectorised zfill
        s = ints.astype(np.dtypes.StringDType())
        return (np.strings.zfill(s, width) if width else s).astype(object)
    s = ints.astype(str)  # numpy 1 (Debian 12's QGIS: the user lane)
    return (np.char.zfill(s, width) if width else s).astype(object)


def _text(s: pd.Series) -> pd.Series:
    """Text, with missing values kept missing: pandas 3's ``astype(str)`` does that, pandas 2's
    writes the string "None" (Debian forky's QGIS 3.44 brings pandas 2.3)."""
    return s.astype(str).where(s.notna())


def _lookup(mapping: dict, keys: np.ndarray) -> np.ndarray:
    """``mapping[k]`` for each key of an object array, vectorised over distinct keys."""
    codes, uniq = pd.factorize(pd.Series(keys, dtype=object))
    vals = np.empty(len(uniq), dtype=object)
    vals[:] = [mapping[k] for k in uniq]
    return vals[codes]


def _weights(w) -> np.ndarray:
    w = np.asarray(w, dtype=float)
    return w / w.sum()


def _allocate(total: int, shares: np.ndarray) -> np.ndarray:
    """Largest-remainder split of ``total`` by ``shares``."""
    raw = shares * total
    base = np.floor(raw).astype(np.int64)
    rest = total - int(base.sum())
    if rest > 0:
        order = np.argsort(-(raw - base), kind="stable")
        base[order[:rest]] += 1
    return base


def sector_counts(n_units: int, profile: str = "sample") -> dict[str, int]:
    """Units per sector for a city of ``n_units`` (every sector gets a floor of a few)."""
    floor = min(_SECTOR_MIN_UNITS, n_units // len(_SECTOR_IDS))
    table = CITY_SECTOR_SHARE if profile == "city" else _SECTOR_SHARE
    shares = _weights([table[s] for s in _SECTOR_IDS])
    counts = floor + _allocate(n_units - floor * len(_SECTOR_IDS), shares)
    return dict(zip(_SECTOR_IDS, counts.tolist()))


# --- geometry ----------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _geometry():
    """(boundary polygon, district polygons in _DISTRICTS order), EPSG:4490."""
    import shapely

    boundary = shapely.Polygon(_OUTLINE)
    seeds = shapely.MultiPoint([(d.lon, d.lat) for d in _DISTRICTS])
    x0, y0, x1, y1 = boundary.bounds
    cells = np.asarray(shapely.get_parts(shapely.voronoi_polygons(
        seeds, extend_to=shapely.box(x0 - 1, y0 - 1, x1 + 1, y1 + 1))))
    # in the districts' order (shapely 2.1's ordered=True; shapely 2.0 has not got it)
    points = shapely.get_parts(seeds)
    cells = np.array([cells[shapely.contains(cells, p)][0] for p in points])  # a handful of districts
    polys = shapely.intersection(cells, boundary)
    polys = shapely.set_precision(polys, 1e-7)
    boundary = shapely.set_precision(boundary, 1e-7)
    shapely.prepare(boundary)
    return boundary, tuple(polys)


def _sample_mixture(rng: np.random.Generator, n: int, comps, boundary, uniform_frac: float = 0.0
                    ) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points from a Gaussian mixture (lon, lat, sigma_km, weight), a share drawn
    uniformly over the city, all inside ``boundary`` (rejection sampling, vectorised)."""
    import shapely

    lon = np.empty(n)
    lat = np.empty(n)
    if n == 0:
        return lon, lat
    comps = np.asarray([c[-4:] for c in comps], dtype=float)
    k = rng.choice(len(comps), size=n, p=_weights(comps[:, 3]))
    uni = rng.random(n) < uniform_frac
    x0, y0, x1, y1 = boundary.bounds
    todo = np.arange(n)
    for _ in range(200):
        m = len(todo)
        kk = k[todo]
        c_lat = comps[kk, 1]
        px = comps[kk, 0] + rng.normal(0, 1, m) * comps[kk, 2] * 1000 / (_M_PER_DEG_LON_EQ * np.cos(np.radians(c_lat)))
        py = c_lat + rng.normal(0, 1, m) * comps[kk, 2] * 1000 / _M_PER_DEG_LAT
        u = uni[todo]
        px[u] = rng.uniform(x0, x1, int(u.sum()))
        py[u] = rng.uniform(y0, y1, int(u.sum()))
        ok = shapely.contains_xy(boundary, px, py)
        lon[todo[ok]] = px[ok]
        lat[todo[ok]] = py[ok]
        todo = todo[~ok]
        if not len(todo):
            break
        uni[todo] = True  # stubborn components near the coast: fall back to uniform
    return lon, lat


def _locations(rng, where: np.ndarray, boundary) -> tuple[np.ndarray, np.ndarray]:
    models = {
        "chem": (_CHEM_PARKS, 0.0),
        "chem_spread": (tuple(p for p in _CHEM_PARKS) + tuple(("", *c) for c in _INDUSTRIAL), 0.05),
        "industrial": (_INDUSTRIAL, 0.10),
        "urban": (_URBAN, 0.08),
        "spread": (_URBAN, 0.35),
        "port": (_PORTS, 0.0),
    }
    lon = np.empty(len(where))
    lat = np.empty(len(where))
    for name, (comps, frac) in models.items():
        m = where == name
        if m.any():
            lon[m], lat[m] = _sample_mixture(rng, int(m.sum()), comps, boundary, frac)
    return lon, lat


def _district_of(lon: np.ndarray, lat: np.ndarray, polys) -> np.ndarray:
    import shapely

    out = np.full(len(lon), -1, dtype=np.int64)
    for i, p in enumerate(polys):
        todo = out < 0
        if not todo.any():
            break
        inside = shapely.contains_xy(p, lon[todo], lat[todo])
        idx = np.flatnonzero(todo)[inside]
        out[idx] = i
    if (out < 0).any():  # on a shared edge: nearest seed
        miss = np.flatnonzero(out < 0)
        seeds = np.array([(d.lon, d.lat) for d in _DISTRICTS])
        d2 = (lon[miss, None] - seeds[None, :, 0]) ** 2 + (lat[miss, None] - seeds[None, :, 1]) ** 2
        out[miss] = d2.argmin(axis=1)
    return out


def _street_seeds(rng, polys) -> list[np.ndarray]:
    """Per district, one seed point per street (a street is its seed's Voronoi cell)."""
    out = []
    for d, p in zip(_DISTRICTS, polys):
        lon, lat = _uniform_in(rng, len(d.streets), p)
        out.append(np.column_stack([lon, lat]))
    return out


def _uniform_in(rng, n: int, poly) -> tuple[np.ndarray, np.ndarray]:
    import shapely

    x0, y0, x1, y1 = poly.bounds
    lon = np.empty(n)
    lat = np.empty(n)
    todo = np.arange(n)
    while len(todo):
        px = rng.uniform(x0, x1, len(todo))
        py = rng.uniform(y0, y1, len(todo))
        ok = shapely.contains_xy(poly, px, py)
        lon[todo[ok]] = px[ok]
        lat[todo[ok]] = py[ok]
        todo = todo[~ok]
    return lon, lat


def _nearest_street(lon, lat, district, seeds) -> np.ndarray:
    out = np.zeros(len(lon), dtype=np.int64)
    for i, s in enumerate(seeds):
        m = district == i
        if m.any():
            d2 = (lon[m, None] - s[None, :, 0]) ** 2 + (lat[m, None] - s[None, :, 1]) ** 2
            out[m] = d2.argmin(axis=1)
    return out


def _offset(lon, lat, dist_m, bearing) -> tuple[np.ndarray, np.ndarray]:
    dlat = dist_m * np.cos(bearing) / _M_PER_DEG_LAT
    dlon = dist_m * np.sin(bearing) / (_M_PER_DEG_LON_EQ * np.cos(np.radians(lat)))
    return lon + dlon, lat + dlat


# --- identifiers -------------------------------------------------------------------------

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64)
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)


def _char_matrix(strings: np.ndarray, width: int) -> np.ndarray:
    """ASCII strings of one length → (n, width) uint8 matrix."""
    return np.frombuffer("".join(strings.tolist()).encode("ascii"), dtype=np.uint8).reshape(-1, width)


def uscc_check_chars(bodies: np.ndarray) -> np.ndarray:
    """GB 32100-2015 check characters of 17-character bodies, vectorised (docs/domain/survey.md §3.1).

    Agrees with ``stdnum.cn.uscc.calc_check_digit`` (tested)."""
    check = _uscc_check_index(_char_matrix(np.asarray(bodies, dtype=object), 17))
    return np.array(list(_USCC_ALPHABET), dtype=object)[check]


def _uscc_check_index(body17: np.ndarray) -> np.ndarray:
    """Alphabet index of the check character of each row of a (n, 17) ASCII matrix."""
    lut = np.full(256, -1, dtype=np.int64)
    for i, c in enumerate(_USCC_ALPHABET):
        lut[ord(c)] = i
    vals = lut[body17]
    if (vals < 0).any():
        raise ValueError("character outside the GB 32100 alphabet")
    return (31 - (vals * _USCC_WEIGHTS).sum(axis=1) % 31) % 31


def _credit_codes(rng, n: int, prefix: np.ndarray, district_code: np.ndarray) -> np.ndarray:
    """Unique, valid unified social credit codes (18 characters)."""
    alpha = np.frombuffer(_USCC_ALPHABET.encode(), dtype=np.uint8)
    k = rng.permutation(n).astype(np.int64)
    new_style = rng.random(n) < 0.75
    # Organisation code body (8 characters): new style MA5 + 5 alphabet characters,
    # old style 8 digits; both a bijection of k, so codes are unique.
    body8 = np.zeros((n, 8), dtype=np.uint8)
    v = (k * 1_000_003 + 7_654_321) % (31 ** 5)
    body8[:, 0:3] = np.frombuffer(b"MA5", dtype=np.uint8)
    for j in range(7, 2, -1):
        body8[:, j] = alpha[v % 31]
        v //= 31
    old = ~new_style
    w = (k[old] * 7_919_993 + 13_579_246) % (10 ** 8)
    digits = np.zeros((int(old.sum()), 8), dtype=np.uint8)
    for j in range(7, -1, -1):
        digits[:, j] = ord("0") + w % 10
        w //= 10
    body8[old] = digits
    # GB 11714 organisation code check character.
    alnum = np.full(256, 0, dtype=np.int64)
    for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
        alnum[ord(c)] = i
    c9 = 11 - (alnum[body8] * _ORG_WEIGHTS).sum(axis=1) % 11
    org_check = np.where(c9 == 10, ord("X"), np.where(c9 == 11, ord("0"), ord("0") + c9)).astype(np.uint8)
    # Registration area: the city (440300) or the district.
    area = np.where(rng.random(n) < 0.7, "440300", district_code).astype(object)
    head = _char_matrix(prefix.astype(object) + area, 8)
    body17 = np.concatenate([head, body8, org_check[:, None]], axis=1)
    full = np.concatenate([body17, alpha[_uscc_check_index(body17)][:, None]], axis=1)
    return full.view("S18").ravel().astype(str).astype(object)


def _phones(rng, n: int) -> np.ndarray:
    mobile = rng.random(n) < 0.8
    pre = np.array(_MOBILE_PREFIXES, dtype=object)[rng.integers(0, len(_MOBILE_PREFIXES), n)]
    mob = pre + _int_text(rng.integers(0, 10 ** 8, n), 8)
    land = "0755-" + np.where(rng.random(n) < 0.5, "2", "8").astype(object) + _int_text(rng.integers(0, 10 ** 7, n), 7)
    return np.where(mobile, mob, land).astype(object)


def _person_names(rng, n: int) -> np.ndarray:
    s = np.array(_SURNAMES, dtype=object)[rng.integers(0, len(_SURNAMES), n)]
    g1 = np.array(_GIVEN, dtype=object)[rng.integers(0, len(_GIVEN), n)]
    g2 = np.array(_GIVEN, dtype=object)[rng.integers(0, len(_GIVEN), n)]
    return np.where(rng.random(n) < 0.7, s + g1 + g2, s + g1).astype(object)


# --- GB 18218 critical quantities ----------------------------------------------------------

@lru_cache(maxsize=1)
def _critical_quantities() -> dict[str, float]:
    """Substance key → critical quantity Q (t) from the shipped GB 18218 tables."""
    by_cas: dict[str, float] = {}
    with open(schema.REFERENCE / "gb18218_2018_table1.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            for cas in (r["cas"] or "").split(";"):
                if cas.strip():
                    by_cas.setdefault(cas.strip(), float(r["critical_t"]))
    with open(schema.REFERENCE / "gb18218_2018_table2.csv", encoding="utf-8") as f:
        by_cat = {r["symbol"]: float(r["critical_t"]) for r in csv.DictReader(f)}
    out = {}
    for key, (_, cas, cat, _, _) in _SUBSTANCES.items():
        out[key] = by_cat[cat] if cat else by_cas[cas]
    return out


# =========================================================================================
# generate_city
# =========================================================================================


def generate_city(n_units: int, seed: int = DEFAULT_SEED, hazards_per_unit: tuple[int, int] = (1, 4),
                  profile: str = "sample") -> City:
    """A fictional city of ``n_units`` survey units in seven sectors, with their hazard
    sources, districts, receptors and population raster. Same seed, same city.

    ``profile="city"`` gives a real city's shape (see the module's docstring); there the
    hazard sources per unit come from :data:`CITY_HAZARDS_PER_UNIT` and ``hazards_per_unit``
    is not used."""
    import geopandas as gpd

    if n_units < 1:
        raise ValueError("n_units must be at least 1")
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}")
    lo, hi = int(hazards_per_unit[0]), int(hazards_per_unit[1])
    if not 1 <= lo <= hi:
        raise ValueError("hazards_per_unit must be (low, high) with 1 <= low <= high")
    city = profile == "city"
    rng = np.random.default_rng([seed, 1])
    boundary, polys = _geometry()
    street_seeds = _street_seeds(np.random.default_rng([seed, 2]), polys)

    counts = sector_counts(n_units, profile)
    sector_idx = np.repeat(np.arange(len(_SECTOR_IDS)), [counts[s] for s in _SECTOR_IDS])
    n = n_units
    # Unit types (global index over all sectors' types) and where they are.
    type_list = [(s, t) for s in _SECTOR_IDS for t in _UNIT_TYPES[s]]
    type_idx = np.empty(n, dtype=np.int64)
    base = 0
    for si, s in enumerate(_SECTOR_IDS):
        m = sector_idx == si
        ts = _UNIT_TYPES[s]
        type_idx[m] = base + rng.choice(len(ts), size=int(m.sum()), p=_weights([t.weight for t in ts]))
        base += len(ts)
    where = np.array([t.where for _, t in type_list], dtype=object)[type_idx]
    lon, lat = _locations(rng, where, boundary)
    if city:  # a third of the hazardous-chemicals units packed into the dense parks
        _into_dense_parks(np.random.default_rng([seed, 21]), sector_idx, lon, lat, boundary)
    district = _district_of(lon, lat, polys)
    street_i = _nearest_street(lon, lat, district, street_seeds)

    # Order: sector, district, then a random order → sequential numbers per (sector, district).
    order = np.lexsort((rng.random(n), district, sector_idx))
    sector_idx, type_idx, lon, lat, district, street_i = (
        a[order] for a in (sector_idx, type_idx, lon, lat, district, street_i))
    key = sector_idx * 100 + district
    starts = np.r_[0, np.flatnonzero(np.diff(key)) + 1]
    run_len = np.diff(np.r_[starts, n])
    number = np.arange(n) - np.repeat(starts, run_len) + 1

    d_name = np.array([d.name for d in _DISTRICTS], dtype=object)
    d_abbr = np.array([d.abbr for d in _DISTRICTS], dtype=object)
    d_code = np.array([d.code for d in _DISTRICTS], dtype=object)
    sec_ids = np.array(_SECTOR_IDS, dtype=object)
    prefix = np.array([_SECTOR_PREFIX[s] for s in _SECTOR_IDS], dtype=object)
    unit_code = prefix[sector_idx] + "-" + d_abbr[district] + "-" + _int_text(number, 6)

    # Street names: flatten per district.
    street_flat = [s for d in _DISTRICTS for s in d.streets]
    street_off = np.cumsum([0] + [len(d.streets) for d in _DISTRICTS])[:-1]
    place = np.array(street_flat, dtype=object)[street_off[district] + street_i]
    street = place + "街道"

    # Names by unit type.
    words = np.array(_WORDS, dtype=object)
    fields = {
        "place": place,
        "word": words[rng.integers(0, len(words), n)],
        "chem": np.array(_CHEM_WORDS, dtype=object)[rng.integers(0, len(_CHEM_WORDS), n)],
        "prod": np.array(_PROD_WORDS, dtype=object)[rng.integers(0, len(_PROD_WORDS), n)],
        "line": _int_text(rng.integers(2, 21, n)),
        "district": d_name[district],
    }
    name = np.empty(n, dtype=object)
    emp = np.empty(n)
    credit_prefix = np.empty(n, dtype=object)
    for ti, (_, t) in enumerate(type_list):
        m = type_idx == ti
        if not m.any():
            continue
        k = int(m.sum())
        choice = rng.integers(0, len(t.names), k)
        name[m] = _fill_choice(t.names, choice, {f: v[m] for f, v in fields.items()})
        emp[m] = t.employees[0] * np.exp(rng.normal(0, t.employees[1], k))
        credit_prefix[m] = t.credit_prefix
    credit_prefix[rng.random(n) < 0.003] = "Y1"
    employees = np.maximum(1, np.round(emp)).astype(np.int64)

    credit = _credit_codes(rng, n, credit_prefix, d_code[district])
    road = np.array(_ROADS, dtype=object)[rng.integers(0, len(_ROADS), n)]
    building = np.where(rng.random(n) < 0.4, _int_text(rng.integers(1, 12, n)) + "栋", "").astype(object)
    address = d_name[district] + street + road + _int_text(rng.integers(1, 400, n)) + "号" + building

    # Coordinate systems: mostly CGCS2000/WGS84, some GCJ-02 and BD-09.
    crs = np.array(["CGCS2000", "WGS84", "GCJ02", "BD09"], dtype=object)[
        rng.choice(4, size=n, p=[0.55, 0.25, 0.15, 0.05])]
    lon = np.round(lon, 7)
    lat = np.round(lat, 7)
    s_lon, s_lat = lon.copy(), lat.copy()
    for system in ("GCJ02", "BD09"):
        m = crs == system
        if m.any():
            s_lon[m], s_lat[m] = _wgs84_to(system, lon[m], lat[m])
    s_lon = np.round(s_lon, 6)
    s_lat = np.round(s_lat, 6)

    sector = sec_ids[sector_idx]
    chem = np.isin(sector, ("hazchem", "gas"))
    outside = np.where(rng.random(n) < 0.08, 0, np.round(150 * np.exp(rng.normal(0, 1.5, n))))
    outside_population = pd.array(np.where(chem, outside, 0).astype(np.int64), dtype="Int64")
    outside_population[~chem] = pd.NA
    days = rng.integers(0, 260, n)
    survey_date = (np.datetime64("2024-03-01") + days.astype("timedelta64[D]")).astype("datetime64[s]")
    surveyor_pool = _person_names(np.random.default_rng([seed, 3]), 12 * len(_DISTRICTS))
    surveyor = surveyor_pool[district * 12 + rng.integers(0, 12, n)]

    units = pd.DataFrame({
        "unit_code": unit_code, "name": name, "credit_code": credit, "sector": sector,
        "district": d_name[district], "street": street, "address": address,
        "lon": s_lon, "lat": s_lat, "crs": crs, "employees": employees,
        "outside_population": outside_population, "survey_date": survey_date,
        "surveyor": surveyor, "contact_name": _person_names(rng, n), "contact_phone": _phones(rng, n),
        "wgs84_lon": lon, "wgs84_lat": lat,
    })
    for c in ("unit_code", "name", "credit_code", "sector", "district", "street", "address", "crs",
              "surveyor", "contact_name", "contact_phone"):
        units[c] = _text(units[c])

    if city:
        lo_hi = np.array([CITY_HAZARDS_PER_UNIT[s] for s in _SECTOR_IDS], dtype=np.int64)[sector_idx]
        hazards = _generate_hazards(rng, units, sector_idx, type_idx, type_list, lo_hi[:, 0], lo_hi[:, 1],
                                    offsets=CITY_HAZARD_OFFSET_M, scores_rng=np.random.default_rng([seed, 22]))
    else:
        hazards = _generate_hazards(rng, units, sector_idx, type_idx, type_list, lo, hi)
    _risk_list(np.random.default_rng([seed, 23]), units, hazards)
    districts = gpd.GeoDataFrame(
        {"name": [d.name for d in _DISTRICTS], "name_en": [d.name_en for d in _DISTRICTS],
         "code": [d.code for d in _DISTRICTS]},
        geometry=list(polys), crs=STORAGE_CRS)
    receptors = _generate_receptors(np.random.default_rng([seed, 4]), n_units, boundary, polys, street_seeds,
                                    CITY_RECEPTORS if city else None)
    pop, transform = _population(np.random.default_rng([seed, 5]), boundary)
    parks = pd.DataFrame({"name": [p[0] for p in _CHEM_PARKS], "lon": [p[1] for p in _CHEM_PARKS],
                          "lat": [p[2] for p in _CHEM_PARKS]})
    return City(seed=seed, units=units, hazards=hazards, districts=districts, receptors=receptors,
                population=pop, population_transform=transform, boundary=boundary, parks=parks, profile=profile)


def _into_dense_parks(rng, sector_idx: np.ndarray, lon: np.ndarray, lat: np.ndarray, boundary) -> None:
    """Move :data:`DENSE_PARK_SHARE` of the hazardous-chemicals units (in place) to points
    drawn uniformly over the discs of the :data:`DENSE_PARKS`, weighted by the parks' weights."""
    import shapely

    hc = np.flatnonzero(sector_idx == _SECTOR_IDS.index("hazchem"))
    k = int(round(len(hc) * DENSE_PARK_SHARE))
    if not k:
        return
    chosen = rng.choice(hc, size=k, replace=False)
    parks = [p for p in _CHEM_PARKS if p[0] in DENSE_PARKS]
    which = rng.choice(len(parks), size=k, p=_weights([p[4] for p in parks]))
    c_lon = np.array([p[1] for p in parks])[which]
    c_lat = np.array([p[2] for p in parks])[which]
    px, py = np.empty(k), np.empty(k)
    todo = np.arange(k)
    while len(todo):  # a disc cut by the coast: draw again
        x, y = _offset(c_lon[todo], c_lat[todo], DENSE_PARK_RADIUS_M * np.sqrt(rng.random(len(todo))),
                       rng.uniform(0, 2 * math.pi, len(todo)))
        ok = shapely.contains_xy(boundary, x, y)
        px[todo[ok]], py[todo[ok]] = x[ok], y[ok]
        todo = todo[~ok]
    lon[chosen], lat[chosen] = px, py


def _generate_hazards(rng, units: pd.DataFrame, sector_idx, type_idx, type_list, lo, hi,
                      offsets: dict[str, tuple[float, float]] | None = None,
                      scores_rng: np.random.Generator | None = None) -> pd.DataFrame:
    """Hazard sources of ``units``: ``lo``..``hi`` per unit (ints, or arrays per unit). Own
    coordinates: the sample's (hazchem 10–160 m, gas 10–60 m, industry 10–80 m from the unit)
    or, with ``offsets``, each listed sector's (min, max) metres. With ``scores_rng`` (the
    "city" profile) the score inputs are drawn again from it by :func:`_city_scores`; the
    sample's draws are still made first, so every other column stays as it was."""
    n = len(units)
    per_unit = rng.integers(lo, hi + 1, n)
    u = np.repeat(np.arange(n), per_unit)
    m = len(u)
    seq = np.arange(m) - np.repeat(np.cumsum(per_unit) - per_unit, per_unit) + 1
    unit_code = units["unit_code"].to_numpy(dtype=object)
    hazard_code = unit_code[u] + "-" + _int_text(seq, 2)
    h_sector = sector_idx[u]
    h_type = type_idx[u]

    kind = np.empty(m, dtype=object)
    kind_key = np.empty(m, dtype=object)
    name = np.empty(m, dtype=object)
    equipment = np.full(m, None, dtype=object)
    sub_key = np.full(m, None, dtype=object)
    q_mu = np.zeros(m)
    q_sigma = np.zeros(m)
    is_tank = np.zeros(m, dtype=bool)
    seq_txt = _int_text(seq)
    sub_names = {k: v[0] for k, v in _SUBSTANCES.items()}
    for ti, (s, t) in enumerate(type_list):
        mt = h_type == ti
        if not mt.any():
            continue
        idx_t = np.flatnonzero(mt)
        kind_ids = [k for k, _ in t.kinds]
        kc = rng.choice(len(kind_ids), size=len(idx_t), p=_weights([w for _, w in t.kinds]))
        for ki, kid in enumerate(kind_ids):
            spec = _KINDS[s][kid]
            idx = idx_t[kc == ki]
            k = len(idx)
            if not k:
                continue
            kind[idx] = spec.label
            kind_key[idx] = kid
            subs = None
            if spec.substances:
                subs = np.array(spec.substances, dtype=object)[rng.integers(0, len(spec.substances), k)]
                sub_key[idx] = subs
                q_mu[idx] = spec.q_mu
                q_sigma[idx] = spec.q_sigma
                is_tank[idx] = spec.volume
            sub_txt = _lookup(sub_names, subs) if subs is not None else np.full(k, "", dtype=object)
            name[idx] = _fill_choice(spec.names, rng.integers(0, len(spec.names), k),
                                     {"n": seq_txt[idx], "sub": sub_txt})
            if spec.equipment:
                eq = np.array([e for e, _ in spec.equipment], dtype=object)[
                    rng.choice(len(spec.equipment), size=k, p=_weights([w for _, w in spec.equipment]))]
                if subs is not None:
                    storage = _lookup({x: v[4] for x, v in _SUBSTANCES.items()}, subs)
                    eq = np.where(eq == "substance", storage, eq)
                else:
                    eq = np.where(eq == "substance", "building", eq)
                equipment[idx] = eq

    # Substances, CAS, categories, quantities (GB 18218).
    has_sub = sub_key != None  # noqa: E711 (elementwise on an object array; `is not None` would test the array)
    substance = np.full(m, None, dtype=object)
    cas = np.full(m, None, dtype=object)
    category = np.full(m, None, dtype=object)
    quantity = np.full(m, np.nan)
    volume = np.full(m, np.nan)
    qcrit = _critical_quantities()
    keys = sub_key[has_sub]
    if len(keys):
        ki = _lookup({k: i for i, k in enumerate(_SUBSTANCES)}, keys).astype(np.int64)
        table = list(_SUBSTANCES.values())
        nm = np.array([t[0] for t in table], dtype=object)
        cs = np.array([t[1] or None for t in table], dtype=object)
        ct = np.array([t[2] or None for t in table], dtype=object)
        dens = np.array([t[3] if t[3] else np.nan for t in table])
        qc = np.array([qcrit[k] for k in _SUBSTANCES])
        substance[has_sub] = nm[ki]
        cas[has_sub] = cs[ki]
        category[has_sub] = ct[ki]
        q = np.minimum(qc[ki], 300.0) * np.exp(rng.normal(q_mu[has_sub], q_sigma[has_sub]))
        # A few large stores, so that major hazard sources of every GB 18218 grade occur. Drawn
        # from a jumped copy of the generator: the rest of the city stays as it was.
        big_rng = np.random.Generator(rng.bit_generator.jumped())
        big = big_rng.random(len(keys)) < LARGE_STORE_SHARE
        q[big] = qc[ki][big] * big_rng.uniform(*LARGE_STORE_Q_OVER_Q, int(big.sum()))
        q = np.round(np.clip(q, 0.01, 20000.0), 3)
        quantity[has_sub] = q
        vol = np.round(q / dens[ki] / 0.85, 1)
        tank = is_tank[has_sub] & np.isfinite(vol)
        v_all = np.full(len(keys), np.nan)
        v_all[tank] = vol[tank]
        volume[has_sub] = v_all

    # LEC for hazchem, gas, industry, construction; LS for the others.
    sector = np.array(_SECTOR_IDS, dtype=object)[h_sector]
    L = np.full(m, np.nan)
    E = np.full(m, np.nan)
    C = np.full(m, np.nan)
    lec = load_rules().lec.factors  # the allowed values, from the default rules
    for s, prof in _LEC_PROFILE.items():
        ms = sector == s
        k = int(ms.sum())
        if not k:
            continue
        wl, we, wc = _LEC_WEIGHTS[prof]
        L[ms] = np.array(lec["L"])[rng.choice(7, size=k, p=_weights(wl))]
        E[ms] = np.array(lec["E"])[rng.choice(6, size=k, p=_weights(we))]
        C[ms] = np.array(lec["C"])[rng.choice(6, size=k, p=_weights(wc))]
    ls = ~np.isin(sector, _LEC_SECTORS)
    k = int(ls.sum())
    lik = np.zeros(m, dtype=np.int64)
    sev = np.zeros(m, dtype=np.int64)
    lik[ls] = rng.choice(5, size=k, p=_weights(_LS_WEIGHTS[0])) + 1
    sev[ls] = rng.choice(5, size=k, p=_weights(_LS_WEIGHTS[1])) + 1
    if scores_rng is not None:
        drawn = _city_scores(scores_rng, sector, ~ls)
        L, E, C = drawn["L"], drawn["E"], drawn["C"]
        lik[ls] = drawn["likelihood"][ls].astype(np.int64)
        sev[ls] = drawn["severity"][ls].astype(np.int64)
    likelihood = pd.array(lik, dtype="Int64")
    severity = pd.array(sev, dtype="Int64")
    likelihood[~ls] = pd.NA
    severity[~ls] = pd.NA

    # Own locations for plant-like sectors: tens of metres from the unit's point.
    w_lon = np.full(m, np.nan)
    w_lat = np.full(m, np.nan)
    ulon = units["wgs84_lon"].to_numpy()[u]
    ulat = units["wgs84_lat"].to_numpy()[u]
    if offsets is None:
        own = np.isin(sector, ("hazchem", "gas", "industry"))
        reach = np.select([sector == "hazchem", sector == "gas"], [150.0, 50.0], 70.0)
        dist = reach * np.sqrt(rng.random(m)) + 10.0
    else:  # uniform over the ring between each sector's (min, max)
        own = np.isin(sector, tuple(offsets))
        r0 = np.zeros(m)
        r1 = np.zeros(m)
        for s, (a, b) in offsets.items():
            r0[sector == s], r1[sector == s] = a, b
        dist = np.sqrt(r0 ** 2 + (r1 ** 2 - r0 ** 2) * rng.random(m))
    bearing = rng.uniform(0, 2 * math.pi, m)
    olon, olat = _offset(ulon, ulat, dist, bearing)
    w_lon[own] = np.round(olon[own], 7)
    w_lat[own] = np.round(olat[own], 7)
    ucrs = units["crs"].to_numpy(dtype=object)[u]
    h_lon = np.full(m, np.nan)
    h_lat = np.full(m, np.nan)
    h_crs = np.full(m, None, dtype=object)
    h_lon[own], h_lat[own] = w_lon[own], w_lat[own]
    for system in ("GCJ02", "BD09"):
        ms = own & (ucrs == system)
        if ms.any():
            h_lon[ms], h_lat[ms] = _wgs84_to(system, w_lon[ms], w_lat[ms])
    h_lon = np.round(h_lon, 6)
    h_lat = np.round(h_lat, 6)
    h_crs[own] = ucrs[own]
    note = np.full(m, None, dtype=object)
    has_note = rng.random(m) < 0.03
    note[has_note] = np.array(_NOTES, dtype=object)[rng.integers(0, len(_NOTES), int(has_note.sum()))]

    out = pd.DataFrame({
        "hazard_code": hazard_code, "unit_code": unit_code[u], "name": name, "kind": kind,
        "equipment": equipment, "substance": substance, "cas": cas, "category": category,
        "quantity_t": quantity, "volume_m3": volume, "L": L, "E": E, "C": C,
        "likelihood": likelihood, "severity": severity, "lon": h_lon, "lat": h_lat, "crs": h_crs,
        "note": note, "wgs84_lon": w_lon, "wgs84_lat": w_lat,
        "kind_key": kind_key, "substance_key": sub_key,  # the generator's own keys, not written
    })
    for c in ("hazard_code", "unit_code", "name", "kind", "equipment", "substance", "cas", "category", "crs", "note"):
        out[c] = _text(out[c])
    return out


# --- the risk list: what each risk point can lead to, its controls and who answers ------------
# (docs/domain/controls.md). Drawn from their own generator stream, so that every other
# column of a city stays as it was.

@dataclass(frozen=True)
class _Risk:
    """What a kind of hazard source can lead to and how it is controlled. ``accidents``: GB 6441
    types besides its substance's; ``feature``: {sub} the substance, {props} its dangers."""

    accidents: tuple[str, ...]
    feature: str
    trigger: str
    engineering: str
    management: str
    emergency: str


_STORE = _Risk((), "{sub}储存，{props}", "储罐或容器泄漏遇点火源；超量储存；雷击、静电",
               "液位计和高低液位报警，紧急切断阀，可燃有毒气体检测报警，防火堤，防雷防静电接地",
               "每班巡检并记录；动火、受限空间作业许可；储罐和安全附件定期检测检验",
               "配备防护服、防毒面具和空气呼吸器；泄漏时切断物料、围堵收集，疏散下风向人员，拨打119")
_PRESSURE = _Risk(("容器爆炸",), "{sub}压力储存，{props}", "超温超压、安全阀失效；管道阀门泄漏遇点火源",
                  "压力、温度、液位远传监测和超限联锁，紧急切断阀，喷淋冷却，可燃有毒气体检测报警",
                  "压力容器定期检验，安全阀每年校验，每班巡检，充装前检查",
                  "佩戴正压式空气呼吸器和防化服；泄漏时启动喷淋、关闭紧急切断阀，疏散周边人员，拨打119")
_WAREHOUSE = _Risk((), "{sub}仓储，{props}", "禁忌物料混存，包装破损，高温或明火",
                   "防爆电气和机械通风，温湿度监测，可燃气体报警，自动喷淋",
                   "分类分区限量存放，出入库登记，每日巡查",
                   "配备灭火器材和防护用品；泄漏时隔离现场，用惰性材料吸收，拨打119")
_PROCESS = _Risk(("机械伤害", "灼烫"), "{sub}生产装置，{props}，高温高压", "工艺参数超限，误操作，设备腐蚀泄漏",
                 "DCS 控制和 SIS 安全联锁，超温超压报警，紧急停车系统",
                 "操作规程和工艺卡片，变更管理，特殊作业许可", "紧急停车、切断进料，佩戴防护用品撤离至安全区，拨打119")
_LOADING = _Risk(("车辆伤害",), "{sub}装卸，{props}", "装卸软管破裂，静电积聚，车辆溜车",
                 "静电接地报警，装卸臂紧急切断，防溢流控制", "装卸作业票，核查驾驶员押运员资质，车辆限速停靠",
                 "立即停止装卸、关闭阀门，围堵泄漏，疏散人员，拨打119")
_CROWD = _Risk(("火灾", "其他伤害"), "人员密集场所，可燃物多", "电气故障，违规用火，疏散通道堵塞",
               "火灾自动报警、自动喷水灭火系统，应急照明和疏散指示", "每日防火巡查，员工消防安全培训",
               "启动灭火和疏散预案，引导人员疏散，拨打119")
_ELECTRIC = _Risk(("触电", "火灾"), "配电和电气线路", "线路老化过载，私拉乱接", "漏电保护，电气火灾监控",
                  "电工持证上岗，电气线路定期检测", "切断电源，救护触电人员，拨打120")
_RISKS: dict[str, _Risk] = {
    "tank": _STORE, "tank_farm": _STORE, "fuel_tank": _STORE, "fuel_ug_tank": _STORE,
    "gas_tank": _PRESSURE, "lpg_sphere": _PRESSURE, "lng_tank": _PRESSURE, "ammonia": _PRESSURE,
    "cylinder": _PRESSURE, "lpg_store": _WAREHOUSE, "warehouse": _WAREHOUSE, "chem_store": _WAREHOUSE,
    "process": _PROCESS, "loading": _LOADING, "gas_loading": _LOADING,
    "dispenser": _Risk(("火灾", "其他爆炸", "车辆伤害"), "加油加气作业，油气易燃易爆",
                       "加注时泄漏，车辆碰撞加油机，现场吸烟或使用手机", "加油机紧急切断和拉断阀，油气回收，防撞设施",
                       "禁止烟火，规范加注操作，每日巡检", "启动紧急切断，用灭火器扑救初起火灾，疏散车辆人员，拨打119"),
    "regulator": _Risk((), "{sub}调压，{props}", "调压器失灵超压，管道腐蚀泄漏", "超压切断和放散装置，燃气泄漏报警",
                       "定期巡检和维护", "关闭进出口阀门，设置警戒，报告燃气企业，拨打119"),
    "dust": _Risk(("其他爆炸", "火灾"), "粉尘涉爆场所，可燃性粉尘积聚", "除尘系统故障，粉尘积聚遇火花或静电",
                  "防爆型除尘设施，泄爆、隔爆装置，火花探测熄灭", "定期清扫粉尘，除尘器点检，严禁明火",
                  "停止作业、切断电源，人员撤离，拨打119"),
    "confined": _Risk(("中毒和窒息", "淹溺"), "有限空间，缺氧或硫化氢等有毒气体积聚", "未检测即进入作业，盲目施救",
                      "强制通风，气体检测报警仪，安全警示标志", "有限空间作业审批，先通风、再检测、后作业，专人监护",
                      "配备呼吸器、安全绳和三脚架，严禁盲目施救，拨打119、120"),
    "paint": _Risk(("中毒和窒息",), "{sub}喷涂作业，{props}", "漆雾和溶剂蒸气积聚遇点火源",
                   "防爆电气，局部排风，可燃气体报警",
                   "涂料限量存放，每日清理，动火审批", "停止作业、切断电源，扑救初起火灾，撤离并拨打119"),
    "machining": _Risk(("机械伤害", "物体打击"), "机械加工设备转动部件", "防护罩缺失，违章操作",
                       "安全防护罩、急停按钮和联锁", "岗位操作规程，岗前培训，设备点检", "立即停机，救护伤员，拨打120"),
    "melting": _Risk(("灼烫", "火灾", "其他爆炸"), "高温熔融金属", "熔融金属遇水，炉体泄漏",
                     "炉体冷却水监测报警，防护挡板",
                     "炉前作业规程，作业区保持干燥", "撤离炉前人员，停止加热，救护烫伤人员，拨打120"),
    "excavation": _Risk(("坍塌", "高处坠落", "淹溺"), "深基坑开挖，边坡和支护结构", "支护失稳，降水不当，坑边超载",
                        "支护结构位移、沉降自动监测，临边防护", "专项施工方案和专家论证，监测数据每日分析",
                        "变形预警时立即停工撤人，设置警戒，报告建设主管部门"),
    "formwork": _Risk(("坍塌", "高处坠落", "物体打击"), "高大模板支撑体系", "支撑体系失稳，混凝土浇筑超载",
                      "按方案搭设，立杆、扫地杆、剪刀撑齐全，变形监测", "专项方案论证，搭设验收，浇筑时专人观测",
                      "出现异常立即停止浇筑、撤离人员"),
    "tower_crane": _Risk(("起重伤害", "物体打击", "高处坠落"), "塔式起重机吊装作业", "超载吊装，限位失效，大风",
                         "力矩限制器、高度和回转限位，安全监控系统",
                         "司机和指挥持证上岗，每日检查，6 级以上大风停止作业",
                         "停止作业，设置警戒区，救护伤员，拨打120"),
    "scaffold": _Risk(("高处坠落", "坍塌", "物体打击"), "脚手架高处作业", "架体失稳，临边防护缺失",
                      "防坠装置，密目网和硬防护",
                      "搭设验收，定期检查，作业人员系挂安全带", "撤离架上人员，救护伤员，拨打120"),
    "hoist": _Risk(("起重伤害", "高处坠落"), "施工升降机运行", "超载，防坠安全器失效", "防坠安全器、门联锁、超载保护",
                   "司机持证，每日检查，定期检测", "停机，救援被困人员，报告"),
    "power": _Risk(("触电", "火灾"), "施工临时用电", "线路破损漏电，私拉乱接", "三级配电两级保护，TN-S 接零保护",
                   "电工持证，用电巡查", "切断电源，救护触电人员，拨打120"),
    "lifting": _Risk(("起重伤害", "物体打击"), "起重吊装作业", "吊索具损坏，违章指挥", "吊索具检查，吊装区警戒隔离",
                     "吊装作业审批，专人指挥", "停止吊装，疏散人员，救护伤员"),
    "dg_park": _Risk(("火灾", "其他爆炸", "中毒和窒息"), "危险货物运输车辆集中停放", "车辆泄漏，电气火花",
                     "视频监控，可燃气体报警，消防设施", "车辆分区停放，每日巡查", "隔离泄漏车辆，疏散人员，拨打119"),
    "dg_vehicle": _Risk(("车辆伤害", "火灾", "其他爆炸"), "危险货物道路运输", "疲劳驾驶，超速，罐体泄漏",
                        "卫星定位监控，紧急切断装置", "驾驶员押运员持证，行车动态监控",
                        "停车设置警示，报告企业，拨打119"),
    "bus_charging": _Risk(("火灾", "触电"), "新能源车辆集中充电", "电池热失控，充电设备故障",
                          "充电监控系统，温度报警，自动灭火", "充电巡查，设备定期检测",
                          "切断电源，拖离起火车辆，拨打119"),
    "bus_repair": _Risk(("机械伤害", "火灾", "触电"), "车辆维修作业", "举升设备失效，动火作业", "举升机安全锁，通风",
                        "维修作业规程，动火审批", "停止作业，救护伤员，拨打120"),
    "waiting_hall": _CROWD, "station_hall": _CROWD, "sales_hall": _CROWD, "rooms": _CROWD,
    "coach": _Risk(("车辆伤害",), "道路旅客运输", "疲劳驾驶，超速，车辆故障", "动态监控，限速装置",
                   "驾驶员管理，车辆每日例检", "停车设置警示，疏散乘客，拨打120"),
    "container_yard": _Risk(("起重伤害", "车辆伤害", "火灾"), "集装箱堆存和装卸", "堆垛倒塌，危险货物泄漏",
                            "堆高限制，视频监控", "分区堆放，危险货物申报", "隔离现场，疏散人员，拨打119"),
    "berth": _Risk(("淹溺", "起重伤害", "物体打击"), "船舶靠离泊和装卸作业", "系缆断裂，人员落水", "护栏，救生设施",
                   "作业许可，安全交底", "抛投救生圈，救援落水人员，报告海事部门"),
    "warehouse_tr": _Risk(("火灾", "车辆伤害"), "物流仓储，可燃物集中", "电气线路故障，叉车碰撞",
                          "火灾自动报警，自动喷淋", "仓储管理，叉车司机持证", "扑救初起火灾，疏散人员，拨打119"),
    "forklift_area": _Risk(("车辆伤害", "物体打击"), "装卸作业区车辆", "叉车违章驾驶", "限速标志，人车分流",
                           "司机持证，作业区管理", "停止作业，救护伤员，拨打120"),
    "basement": _Risk(("火灾", "中毒和窒息"), "地下空间，排烟疏散困难", "车辆或电气起火，排烟设施失效",
                      "机械排烟，火灾自动报警，自动喷淋", "每日防火巡查，禁止堆放可燃物",
                      "启动排烟，引导疏散，拨打119"),
    "ebike": _Risk(("火灾", "触电"), "电动自行车集中停放充电", "电池热失控，违规改装", "智能充电桩过充断电，视频监控",
                   "禁止车辆入户和楼道充电，每日巡查", "切断电源，用灭火器扑救，疏散人员，拨打119"),
    "kitchen": _Risk(("火灾", "其他爆炸", "灼烫"), "用火用气场所，燃气和油烟", "燃气泄漏遇明火，烟道油垢起火",
                     "燃气泄漏报警和自动切断，厨房自动灭火装置", "烟道定期清洗，下班关火关气检查",
                     "关闭燃气阀门，用灭火毯灭火，拨打119"),
    "electrical": _ELECTRIC,
    "evacuation": _Risk(("火灾", "其他伤害"), "疏散通道和安全出口", "通道堵塞，出口锁闭", "应急照明，疏散指示标志",
                        "每日巡查，保持畅通", "引导人员疏散，拨打119"),
    "fire_control": _Risk(("火灾",), "消防设施和消防控制室", "设施故障，值班缺位", "消防设施联动和远程监控",
                          "24 小时双人值班，定期维保", "确认火警，启动联动，拨打119"),
    "storage": _Risk(("火灾",), "仓储场所，可燃物集中", "电气故障，违规用火", "火灾自动报警，自动喷淋",
                     "分区存放，防火间距，每日巡查", "扑救初起火灾，疏散人员，拨打119"),
    "mixed_use": _Risk(("火灾",), "经营、储存、住宿混合（三合一）", "电气故障，住宿与经营未分隔",
                       "独立式感烟报警，防火分隔", "禁止住人，每日巡查", "疏散人员，扑救初起火灾，拨打119"),
    "highrise": _Risk(("火灾", "高处坠落"), "高层建筑，竖井烟囱效应", "竖井堆放杂物，外墙保温材料起火",
                      "防火封堵，自动喷淋，防排烟系统", "消防设施维保，每日巡查", "启动应急广播，引导疏散，拨打119"),
    "boiler": _Risk(("锅炉爆炸", "灼烫"), "锅炉承压运行，高温蒸汽", "缺水超压，安全附件失效",
                    "水位、压力联锁保护，安全阀",
                    "司炉持证，定期检验", "紧急停炉，撤离人员，拨打119"),
    "vessel": _Risk(("容器爆炸",), "压力容器承压运行", "超压，腐蚀减薄", "安全阀，压力表，超压报警",
                    "定期检验，每日巡检",
                    "泄压，撤离人员，拨打119"),
    "piping": _Risk(("灼烫", "容器爆炸"), "压力管道输送高温高压介质", "腐蚀泄漏，超压", "压力监测，泄压装置",
                    "定期检验，巡线", "关闭阀门，隔离泄漏区域"),
    "crane": _Risk(("起重伤害", "物体打击"), "起重机械吊运", "超载，制动器失效", "起重量限制器，限位开关",
                   "司机持证，每日检查，定期检验", "停止作业，救护伤员，拨打120"),
    "forklift": _Risk(("车辆伤害",), "场（厂）内专用机动车辆", "超速，视线受阻", "限速装置，倒车报警",
                      "司机持证，定期检验",
                      "停车，救护伤员，拨打120"),
    "elevator": _Risk(("其他伤害", "机械伤害"), "电梯运行", "门锁失效，困人", "安全回路，远程监测",
                      "维保单位每半月维保，年度检验",
                      "安抚被困人员，通知维保单位救援，拨打96333"),
    "escalator": _Risk(("机械伤害", "其他伤害"), "自动扶梯运行", "梳齿板损坏，逆转", "急停按钮，防逆转保护",
                       "定期维保和检验", "按急停按钮，救护伤员，拨打120"),
    "oxygen": _Risk(("容器爆炸", "火灾"), "医用液氧储存，助燃", "超压，油脂接触", "压力监测，安全阀，禁油标识",
                    "定期检验，专人管理", "关闭阀门，疏散人员，拨打119"),
    "ride": _Risk(("机械伤害", "高处坠落", "物体打击"), "大型游乐设施运行", "安全压杠失效，结构疲劳",
                  "安全压杠联锁，运行监控", "每日试运行检查，定期检验", "紧急停机，疏散游客，救护伤员"),
    "cylinders": _Risk(("容器爆炸", "火灾", "其他爆炸"), "气瓶充装", "超装，气瓶超期未检", "称重充装联锁，防错装接头",
                       "充装前检查，气瓶定期检验", "关闭阀门，疏散人员，拨打119"),
}
#: GB 6441 accident types each substance can lead to (its own dangers, before the kind's).
_SUBSTANCE_ACCIDENTS: dict[str, tuple[str, ...]] = {
    "ammonia": ("中毒和窒息", "其他爆炸", "灼烫"), "chlorine": ("中毒和窒息",), "so2": ("中毒和窒息",),
    "methanol": ("火灾", "其他爆炸", "中毒和窒息"), "benzene": ("火灾", "其他爆炸", "中毒和窒息"),
    "toluene": ("火灾", "其他爆炸", "中毒和窒息"), "styrene": ("火灾", "其他爆炸", "中毒和窒息"),
    "ethylene_oxide": ("火灾", "其他爆炸", "中毒和窒息"), "vcm": ("火灾", "其他爆炸", "中毒和窒息"),
    "acrylonitrile": ("火灾", "其他爆炸", "中毒和窒息"), "sodium_cyanide": ("中毒和窒息",),
    "nitric_acid": ("灼烫", "中毒和窒息"), "calcium_hypochlorite": ("火灾", "中毒和窒息"), "oxygen": ("火灾",),
}
_FLAMMABLE = ("火灾", "其他爆炸")  # every other substance of the sample
_DANGER_WORDS = (("火灾", "易燃"), ("其他爆炸", "易爆"), ("中毒和窒息", "有毒"), ("灼烫", "腐蚀"))
# Control level weights over schema.CONTROL_LEVELS (公司, 部门, 班组, 岗位, 市, 区, 街道).
_CONTROL_LEVEL_WEIGHTS = (0.30, 0.32, 0.20, 0.10, 0.0, 0.04, 0.04)
_SUPERVISING = {"hazchem": "{district}应急管理局", "industry": "{district}应急管理局",
                "gas": "{district}住房和建设局", "construction": "{district}住房和建设局",
                "transport": "深圳市交通运输局{short}管理局", "fire": "{district}消防救援大队",
                "special_equipment": "深圳市市场监督管理局{short}监管局"}
RISK_LIST_SHARE_NO_CONTROLS = 0.06  # hazard sources whose three kinds of control are all blank
RISK_LIST_SHARE_NO_PERSON = 0.05  # hazard sources without a responsible person
RISK_LIST_SHARE_MAJOR_UNNAMED = 0.15  # major-hazard units without their three 包保责任人
#: Sectors whose survey files do not carry the risk-list columns (a workbook in the old layout).
RISK_LIST_ABSENT = ("transport",)
RISK_LIST_HAZARD_KEYS = ("accident_types", "risk_features", "trigger_conditions", "controls_engineering",
                         "controls_management", "controls_emergency", "control_level", "responsible_person",
                         "responsible_phone")
RISK_LIST_UNIT_KEYS = ("supervising_dept", "duty_phone", "principal_person", "technical_person",
                       "operating_person")
_MAJOR_PEOPLE = ("principal_person", "technical_person", "operating_person")


def _accident_order() -> dict[str, int]:
    return {a.zh: i for i, a in enumerate(schema.ACCIDENT_TYPES)}


def _risk_list(rng, units: pd.DataFrame, hazards: pd.DataFrame) -> None:
    """Add the risk-list columns to ``units`` and ``hazards`` in place (blank for the sectors
    in :data:`RISK_LIST_ABSENT`): accident types, features and controls by hazard kind and
    substance, a control level, the responsible person; per unit the supervising department,
    the duty phone and, for units that are major hazard sources (Σ q/Q ≥ 1, GB 18218 §4.1.2),
    the three 包保责任人 — a share of each left blank, as a survey finds them."""
    m, n = len(hazards), len(units)
    order = _accident_order()
    kinds = hazards["kind_key"].to_numpy(dtype=object)
    subs = hazards["substance_key"].to_numpy(dtype=object)
    sub_txt = np.where(pd.isna(subs), "", subs).astype(object)
    combo, uniq = pd.factorize(pd.Series(kinds + "|" + sub_txt))
    cols: dict[str, list[str]] = {k: [] for k in ("accidents", "feature", "trigger", "engineering", "management",
                                                   "emergency")}
    names = {k: v[0] for k, v in _SUBSTANCES.items()}
    for c in uniq:
        kid, sub = c.split("|")
        r = _RISKS[kid]
        own = (_SUBSTANCE_ACCIDENTS.get(sub, _FLAMMABLE) if sub else ())
        acc = sorted(set(r.accidents) | set(own), key=order.__getitem__)
        props = "、".join(w for a, w in _DANGER_WORDS if a in own) or "危险"
        cols["accidents"].append("、".join(acc))
        cols["feature"].append(r.feature.format(sub=names.get(sub, ""), props=props))
        cols["trigger"].append(r.trigger)
        cols["engineering"].append(r.engineering)
        cols["management"].append(r.management)
        cols["emergency"].append(r.emergency)
    take = {k: np.array(v, dtype=object)[combo] for k, v in cols.items()}
    no_controls = rng.random(m) < RISK_LIST_SHARE_NO_CONTROLS
    no_person = rng.random(m) < RISK_LIST_SHARE_NO_PERSON
    levels = np.array([c.zh for c in schema.CONTROL_LEVELS], dtype=object)
    level = levels[rng.choice(len(levels), size=m, p=_weights(_CONTROL_LEVEL_WEIGHTS))]
    person = _person_names(rng, m)
    phone = _phones(rng, m)
    u_sector = units["sector"].to_numpy(dtype=object)
    h_sector = pd.Series(u_sector, index=units["unit_code"].to_numpy()).reindex(
        hazards["unit_code"].to_numpy()).to_numpy(dtype=object)
    absent = np.isin(h_sector, RISK_LIST_ABSENT)
    blank = np.full(m, None, dtype=object)

    def keep(values, drop):
        return np.where(drop | absent, blank, values)

    hazards["accident_types"] = keep(take["accidents"], np.zeros(m, bool))
    hazards["risk_features"] = keep(take["feature"], np.zeros(m, bool))
    hazards["trigger_conditions"] = keep(take["trigger"], np.zeros(m, bool))
    hazards["controls_engineering"] = keep(take["engineering"], no_controls)
    hazards["controls_management"] = keep(take["management"], no_controls)
    hazards["controls_emergency"] = keep(take["emergency"], no_controls)
    hazards["control_level"] = keep(level, no_controls)
    hazards["responsible_person"] = keep(person, no_person)
    hazards["responsible_phone"] = keep(phone, no_person)

    # Per unit: who supervises it, its duty phone, and the 包保责任人 of a major hazard source.
    district = units["district"].to_numpy(dtype=object)
    short = np.array([d.removesuffix("新区").removesuffix("区") for d in district], dtype=object)
    dept = np.empty(n, dtype=object)
    for s, template in _SUPERVISING.items():
        ms = u_sector == s
        dept[ms] = _fill(template, {"district": district[ms], "short": short[ms]}, int(ms.sum()))
    duty = "0755-" + np.where(rng.random(n) < 0.5, "2", "8").astype(object) + _int_text(rng.integers(0, 10 ** 7, n), 7)
    duty[rng.random(n) < 0.1] = None
    u_absent = np.isin(u_sector, RISK_LIST_ABSENT)
    units["supervising_dept"] = np.where(u_absent, None, dept)
    units["duty_phone"] = np.where(u_absent, None, duty)
    qcrit = _critical_quantities()
    q_over = hazards["quantity_t"].to_numpy() / pd.Series(subs).map(qcrit).to_numpy(dtype=float)
    ratio = pd.Series(np.nan_to_num(q_over)).groupby(hazards["unit_code"].to_numpy()).sum()
    major = ratio.reindex(units["unit_code"].to_numpy()).fillna(0).to_numpy() >= 1.0
    major &= ~u_absent
    idx = np.flatnonzero(major)
    unnamed = rng.choice(idx, size=max(1, round(RISK_LIST_SHARE_MAJOR_UNNAMED * len(idx))), replace=False) \
        if len(idx) else idx
    for key in _MAJOR_PEOPLE:
        people = np.full(n, None, dtype=object)
        people[idx] = _person_names(rng, len(idx))
        people[unnamed] = None
        units[key] = people


# --- receptors and population ------------------------------------------------------------

def _generate_receptors(rng, n_units: int, boundary, polys, street_seeds, n: int | None = None):
    import geopandas as gpd
    import shapely

    if n is None:
        n = int(np.clip(200 + 0.01 * n_units, 250, 15_000))
    classes = np.array([r[0] for r in _RECEPTORS], dtype=object)
    ci = rng.choice(len(_RECEPTORS), size=n, p=_weights([r[1] for r in _RECEPTORS]))
    lon, lat = _sample_mixture(rng, n, _URBAN, boundary, 0.15)
    # Sensitive receptors close to each chemical park (300–900 m from its centre).
    near = []
    for p in _CHEM_PARKS:
        for cls in ("小学", "幼儿园", "住宅小区", "住宅小区", "养老院"):
            near.append((cls, p[1], p[2]))
    k = len(near)
    n_lon, n_lat = _offset(np.array([x[1] for x in near]), np.array([x[2] for x in near]),
                           rng.uniform(300, 900, k), rng.uniform(0, 2 * math.pi, k))
    inside = shapely.contains_xy(boundary, n_lon, n_lat)
    cls_idx = {c: i for i, c in enumerate(classes)}
    ci = np.r_[ci, np.array([cls_idx[x[0]] for x in near])[inside]]
    lon = np.r_[lon, n_lon[inside]]
    lat = np.r_[lat, n_lat[inside]]
    n = len(ci)
    district = _district_of(lon, lat, polys)
    street_i = _nearest_street(lon, lat, district, street_seeds)
    street_flat = [s for d in _DISTRICTS for s in d.streets]
    street_off = np.cumsum([0] + [len(d.streets) for d in _DISTRICTS])[:-1]
    fields = {"place": np.array(street_flat, dtype=object)[street_off[district] + street_i],
              "word": np.array(_WORDS, dtype=object)[rng.integers(0, len(_WORDS), n)]}
    name = np.empty(n, dtype=object)
    for i, (_, _, templates) in enumerate(_RECEPTORS):
        m = ci == i
        if m.any():
            name[m] = _fill_choice(templates, rng.integers(0, len(templates), int(m.sum())),
                                   {f: v[m] for f, v in fields.items()})
    # A few receptors are areas: rotated rectangles 80–300 m across.
    area = np.isin(classes[ci], _RECEPTOR_AREA_CLASSES) & (rng.random(n) < 0.12)
    geoms = shapely.points(lon, lat)
    ia = np.flatnonzero(area)
    if len(ia):
        w = rng.uniform(80, 300, len(ia)) / 2
        h = rng.uniform(80, 300, len(ia)) / 2
        a = rng.uniform(0, math.pi, len(ia))
        corners = np.array([(-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1)], dtype=float)
        dx = corners[None, :, 0] * w[:, None]
        dy = corners[None, :, 1] * h[:, None]
        ex = dx * np.cos(a)[:, None] - dy * np.sin(a)[:, None]
        ny = dx * np.sin(a)[:, None] + dy * np.cos(a)[:, None]
        px = lon[ia, None] + ex / (_M_PER_DEG_LON_EQ * np.cos(np.radians(lat[ia, None])))
        py = lat[ia, None] + ny / _M_PER_DEG_LAT
        geoms[ia] = shapely.polygons(np.stack([px, py], axis=-1))
    geoms = shapely.set_precision(geoms, 1e-7)
    return gpd.GeoDataFrame({"name": name.astype(str), "class": classes[ci].astype(str)}, geometry=geoms,
                            crs=STORAGE_CRS)


def _population(rng, boundary) -> tuple[np.ndarray, Any]:
    """People per 100 m cell (int16, EPSG:4547): denser at district centres, thin on hills."""
    import shapely
    from affine import Affine
    from pyproj import Transformer

    to_gk = Transformer.from_crs(STORAGE_CRS, RASTER_CRS, always_xy=True)
    to_ll = Transformer.from_crs(RASTER_CRS, STORAGE_CRS, always_xy=True)
    bx = np.array([p[0] for p in _OUTLINE])
    by = np.array([p[1] for p in _OUTLINE])
    gx, gy = to_gk.transform(bx, by)
    c = RASTER_CELL_M
    x0 = math.floor(gx.min() / c - 2) * c
    x1 = math.ceil(gx.max() / c + 2) * c
    y0 = math.floor(gy.min() / c - 2) * c
    y1 = math.ceil(gy.max() / c + 2) * c
    ncol = int(round((x1 - x0) / c))
    nrow = int(round((y1 - y0) / c))
    transform = Affine(c, 0.0, x0, 0.0, -c, y1)
    xs = x0 + (np.arange(ncol) + 0.5) * c
    ys = y1 - (np.arange(nrow) + 0.5) * c
    grid_x, grid_y = np.meshgrid(xs, ys)
    lon, lat = to_ll.transform(grid_x.ravel(), grid_y.ravel())
    inside = shapely.contains_xy(boundary, lon, lat).reshape(nrow, ncol)

    def gauss(clon, clat, sigma_km):
        cx, cy = to_gk.transform(clon, clat)
        return np.exp(-((grid_x - cx) ** 2 + (grid_y - cy) ** 2) / (2 * (sigma_km * 1000) ** 2))

    dens = np.full((nrow, ncol), 0.03)
    for clon, clat, s, w in _URBAN:
        dens += w * gauss(clon, clat, s * 1.3)
    for clon, clat, s, w in _INDUSTRIAL:
        dens += 0.25 * w * gauss(clon, clat, s)
    # Dense urban villages: small hot spots.
    n_spots = 120
    sl, sa = _sample_mixture(rng, n_spots, _URBAN, boundary, 0.1)
    sx, sy = to_gk.transform(sl, sa)
    amp = rng.uniform(0.5, 2.0, n_spots)
    for x, y, a in zip(sx, sy, amp):  # 120 spots, each on a small window
        ci = int((x - x0) / c)
        ri = int((y1 - y) / c)
        r0, r1 = max(ri - 8, 0), min(ri + 9, nrow)
        c0, c1 = max(ci - 8, 0), min(ci + 9, ncol)
        dx, dy = grid_x[r0:r1, c0:c1] - x, grid_y[r0:r1, c0:c1] - y
        dens[r0:r1, c0:c1] += a * np.exp(-(dx ** 2 + dy ** 2) / (2 * 250.0 ** 2))
    for hlon, hlat, s in _HILLS:
        dens *= 1 - 0.95 * gauss(hlon, hlat, s)
    # Blocky variation (500 m blocks), like census-based rasters.
    nb_r, nb_c = -(-nrow // 5), -(-ncol // 5)
    block = np.exp(rng.normal(0, 0.35, (nb_r, nb_c)))
    dens *= np.kron(block, np.ones((5, 5)))[:nrow, :ncol]
    dens[~inside] = 0
    people = dens * (CITY_POPULATION / dens.sum())
    pop = np.clip(np.round(people), 0, 32000).astype(np.int16)
    pop[~inside] = RASTER_NODATA
    return pop, transform


# =========================================================================================
# write_city: survey workbooks in varied layouts, with seeded mess and mistakes
# =========================================================================================


@dataclass(frozen=True)
class _FileSpec:
    """How one sector's survey file looks (the variety real surveyors produce)."""

    sector: str
    stem: str
    fmt: str = "xlsx"  # xlsx | csv (GB18030)
    layout: str = "two_sheet"  # two_sheet | flat
    headers: str = "zh"  # zh | zh_star | zh_units | en | alias | alias_units
    title: str = ""  # merged title row above the header ('' → none)
    blank_above: bool = False  # a blank row right above the header
    key_row: bool = False  # English keys in a second header row
    date_style: str = "iso"  # datetime | iso | slash | cn
    sector_style: str = "zh"  # zh | en | alias
    crs_style: str = "label"  # label | cn | mixed
    equip_style: str = "zh"  # zh | alias | en
    qty_unit: str = "t"  # t | kg (header 设计最大量（kg）, values in kg)
    instructions: bool = False  # a 填表说明 sheet first
    hazard_crs: bool = True  # a crs column for the hazards' own coordinates
    extra_unit_cols: tuple[str, ...] = ()
    extra_hazard_cols: tuple[str, ...] = ()
    # unit columns a flat sheet writes after the hazard columns (the special-equipment CSV's
    # 监管部门, every unit supervised by the market regulator)
    end_unit_cols: tuple[str, ...] = ()
    # the risk-list columns (RISK_LIST_*_KEYS); the 包保责任人 only where major hazard sources are
    risk_list: bool = True
    major_people: bool = False
    totals: tuple[str, ...] = ()  # sheets ("units", "hazards", "flat") ending in a 合计 row when messy
    flat_sheet: str = ""


_FILES: tuple[_FileSpec, ...] = (
    _FileSpec("hazchem", "01_危险化学品", headers="zh_star", title="深圳市危险化学品企业安全风险普查表",
              blank_above=True, key_row=True, date_style="datetime", instructions=True,
              extra_unit_cols=("所属园区",), totals=("hazards",), major_people=True),
    _FileSpec("gas", "02_燃气", headers="zh_units", date_style="iso", crs_style="cn", equip_style="alias",
              qty_unit="kg", hazard_crs=False, major_people=True),
    _FileSpec("industry", "03_工贸", headers="alias", date_style="slash", sector_style="alias", crs_style="mixed",
              equip_style="alias", totals=("hazards",), major_people=True),
    _FileSpec("construction", "04_建设施工", layout="flat", title="建设施工领域风险点危险源调查表", date_style="cn",
              flat_sheet="建设施工风险点", totals=("flat",)),
    _FileSpec("transport", "05_交通运输", headers="en", blank_above=True, date_style="datetime", sector_style="en",
              equip_style="en", totals=("units",), risk_list=False),
    _FileSpec("fire", "06_消防", headers="zh", key_row=True, date_style="iso", crs_style="mixed"),
    _FileSpec("special_equipment", "07_特种设备", fmt="csv", layout="flat", headers="alias_units", crs_style="cn",
              end_unit_cols=("supervising_dept",), totals=("flat",)),
)

_HAZARD_KEYS = {
    "hazchem": ("hazard_code", "unit_code", "name", "kind", "equipment", "substance", "cas", "category",
                "quantity_t", "volume_m3", "L", "E", "C", "lon", "lat", "crs", "note"),
    "industry": ("hazard_code", "unit_code", "name", "kind", "equipment", "substance", "category", "quantity_t",
                 "L", "E", "C", "lon", "lat", "crs", "note"),
    "construction": ("hazard_code", "unit_code", "name", "kind", "L", "E", "C", "note"),
    "transport": ("hazard_code", "unit_code", "name", "kind", "likelihood", "severity", "note"),
    "special_equipment": ("hazard_code", "unit_code", "name", "kind", "equipment", "likelihood", "severity", "note"),
}
_HAZARD_KEYS["gas"] = _HAZARD_KEYS["hazchem"]
_HAZARD_KEYS["fire"] = _HAZARD_KEYS["transport"]

_ALIAS_HEADERS = {
    "units": {"unit_code": "企业编码", "name": "企业名称", "credit_code": "信用代码", "sector": "所属行业",
              "district": "所属区", "street": "镇街", "address": "地址", "lon": "东经", "lat": "北纬",
              "crs": "坐标类型", "employees": "职工人数", "outside_population": "周边500米人口",
              "survey_date": "填报日期", "surveyor": "填报人", "contact_name": "负责人", "contact_phone": "手机",
              "supervising_dept": "主管部门", "duty_phone": "24小时值班电话", "principal_person": "包保主要负责人",
              "technical_person": "包保技术负责人", "operating_person": "包保操作负责人"},
    "hazards": {"hazard_code": "风险点编码", "unit_code": "企业编码", "name": "风险点名称", "kind": "风险点类型",
                "equipment": "设备类别", "substance": "危险物质", "cas": "CAS No", "category": "危险类别",
                "quantity_t": "最大储量", "volume_m3": "储罐容积", "L": "L值", "E": "E值", "C": "C值",
                "likelihood": "可能性等级", "severity": "严重程度", "lon": "危险源经度", "lat": "危险源纬度",
                "crs": "坐标系统", "note": "备注说明", "accident_types": "可能导致的事故类型",
                "risk_features": "风险描述", "trigger_conditions": "事故诱因", "controls_engineering": "工程控制措施",
                "controls_management": "管理控制措施", "controls_emergency": "应急处置措施",
                "control_level": "管控级别",
                "responsible_person": "管控责任人", "responsible_phone": "责任人联系电话"},
}
_HEADER_UNITS = {  # (table, key) → unit written in brackets, per header style family
    ("units", "employees"): {"zh": "人", "en": "persons"},
    ("units", "outside_population"): {"zh": "人", "en": "persons"},
    ("hazards", "quantity_t"): {"zh": "t", "en": "t", "alias": "吨"},
    ("hazards", "volume_m3"): {"zh": "m³", "en": "m3", "alias": "m³"},
    ("units", "lon"): {"zh": "°"},
    ("units", "lat"): {"zh": "°"},
}
_CRS_LABELS = {
    "label": {"WGS84": "WGS84", "CGCS2000": "CGCS2000", "GCJ02": "GCJ-02", "BD09": "BD-09"},
    "cn": {"WGS84": "GPS", "CGCS2000": "国家2000", "GCJ02": "高德", "BD09": "百度"},
}

# Mistakes the importer must reject or warn about: code → (table, key) targets.
_MISTAKES: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("E_REQUIRED_MISSING", (("units", "name"), ("units", "district"), ("units", "lon"), ("hazards", "hazard_code"))),
    ("E_UNIT_CODE_DUPLICATE", (("units", "unit_code"),)),
    ("E_HAZARD_CODE_DUPLICATE", (("hazards", "hazard_code"),)),
    ("E_HAZARD_UNIT_UNKNOWN", (("hazards", "unit_code"),)),
    ("E_SECTOR_UNKNOWN", (("units", "sector"),)),
    ("E_CRS_UNKNOWN", (("units", "crs"),)),
    ("E_COORD_INVALID", (("units", "lon"), ("units", "lat"))),
    ("E_COORD_OUT_OF_CHINA", (("units", "lon"),)),
    ("E_CREDIT_CODE_INVALID", (("units", "credit_code"),)),
    ("E_CAS_INVALID", (("hazards", "cas"),)),
    ("E_NUMBER_INVALID", (("units", "employees"), ("hazards", "quantity_t"), ("hazards", "volume_m3"))),
    ("E_NUMBER_NEGATIVE", (("units", "employees"), ("hazards", "quantity_t"), ("hazards", "volume_m3"))),
    ("E_EQUIPMENT_UNKNOWN", (("hazards", "equipment"),)),
    ("E_CATEGORY_UNKNOWN", (("hazards", "category"),)),
    ("E_LEC_VALUE", (("hazards", "L"), ("hazards", "E"), ("hazards", "C"))),
    ("W_LEC_C16", (("hazards", "C"),)),
    ("E_LS_VALUE", (("hazards", "likelihood"), ("hazards", "severity"))),
    ("W_DATE_INVALID", (("units", "survey_date"),)),
    ("W_CREDIT_CODE_LOWERCASE", (("units", "credit_code"),)),
    ("W_COORD_SWAPPED", (("units", "lon"),)),
)
# Real-world mess the importer must read correctly: kind → targets.
_MESSES: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("fullwidth_digits", (("units", "employees"), ("hazards", "quantity_t"), ("units", "lon"))),
    ("thousands_separator", (("units", "employees"), ("units", "outside_population"), ("hazards", "quantity_t"),
                             ("hazards", "volume_m3"))),
    ("unit_in_cell", (("hazards", "quantity_t"),)),
    ("excel_date_serial", (("units", "survey_date"),)),
    ("chinese_date", (("units", "survey_date"),)),
    ("dms_coordinate", (("units", "lon"), ("units", "lat"))),
    ("number_as_text", (("units", "employees"), ("hazards", "quantity_t"), ("hazards", "L"),
                        ("hazards", "likelihood"))),
    ("padded_spaces", (("units", "name"), ("units", "district"), ("units", "unit_code"), ("hazards", "unit_code"),
                       ("units", "credit_code"))),
)
# The risk-list columns' own (warnings; the row is kept) and their mess.
_RISK_LIST_MISTAKES: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("W_ACCIDENT_TYPE_UNKNOWN", (("hazards", "accident_types"),)),
    ("W_CONTROL_LEVEL_UNKNOWN", (("hazards", "control_level"),)),
)
_RISK_LIST_MESSES: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("accident_types_as_written", (("hazards", "accident_types"),)),  # other separators, order, shorthands
    ("control_level_alias", (("hazards", "control_level"),)),
)
_ISSUE_SEVERITY = {"E": "error", "W": "warning"}


@dataclass
class _Sheet:
    name: str
    kind: str  # units | hazards | flat
    cols: list[tuple[str, str]]  # (table, key); ("", header) for an unknown column
    headers: list[str]
    values: dict[tuple[str, str], np.ndarray]
    row_unit: np.ndarray  # unit code of each data row
    row_record: np.ndarray  # unit code (units sheet) or hazard code of each data row
    u_index: np.ndarray  # row → position in city.units
    h_index: np.ndarray | None  # row → position in city.hazards
    single: np.ndarray  # the row is its unit's only row (always True outside flat sheets)
    title: str = ""
    blank_above: bool = False
    key_row: bool = False
    widths: list[float] = field(default_factory=list)
    extras: list[tuple[int, dict | None, str]] = field(default_factory=list)  # (before row, cells, tag)
    used: set = field(default_factory=set)

    @property
    def n(self) -> int:
        return len(self.row_unit)

    @property
    def header_row(self) -> int:
        return 1 + bool(self.title) + bool(self.blank_above)

    @property
    def first_data_row(self) -> int:
        return self.header_row + 1 + bool(self.key_row)

    def order(self) -> tuple[np.ndarray, np.ndarray]:
        """(output order over data rows then extras, Excel row of each of them)."""
        n, e = self.n, len(self.extras)
        first = np.r_[np.arange(n), np.array([x[0] for x in self.extras], dtype=np.int64)]
        second = np.r_[np.ones(n, dtype=np.int64), np.zeros(e, dtype=np.int64)]
        third = np.r_[np.zeros(n, dtype=np.int64), np.arange(e)]
        order = np.lexsort((third, second, first))
        rows = np.empty(n + e, dtype=np.int64)
        rows[order] = self.first_data_row + np.arange(n + e)
        return order, rows


@dataclass
class _File:
    spec: _FileSpec
    name: str
    part: int
    parts: int
    sheets: list[_Sheet]
    used_units: set = field(default_factory=set)
    # (code, sheet, ("row", i) | ("extra", e), table, key, value, extra facts)
    mistakes: list[dict] = field(default_factory=list)
    messes: list[dict] = field(default_factory=list)


# --- cell values ------------------------------------------------------------------------

def _num_obj(a: np.ndarray) -> np.ndarray:
    """Floats → Python numbers (ints where integral), None where missing."""
    a = np.asarray(a, dtype=float)
    out = a.astype(object)
    fin = np.isfinite(a)
    integral = fin & (a == np.round(a)) & (np.abs(a) < 1e15)
    out[integral] = a[integral].astype(np.int64).astype(object)
    out[~fin] = None
    return out


def _text_obj(s: pd.Series) -> np.ndarray:
    out = np.array(s.to_numpy(dtype=object), dtype=object, copy=True)  # pandas gives read-only views
    out[pd.isna(out)] = None
    return out


def _dates(col: pd.Series, style: str) -> np.ndarray:
    d = pd.to_datetime(col)
    if style == "datetime":
        return np.array(d.dt.date.to_numpy(dtype=object), dtype=object, copy=True)
    if style == "iso":
        return np.datetime_as_string(d.to_numpy().astype("datetime64[D]")).astype(object)
    y, m, dd = (_int_text(getattr(d.dt, a).to_numpy()) for a in ("year", "month", "day"))
    if style == "slash":
        return y + "/" + m + "/" + dd
    return y + "年" + m + "月" + dd + "日"


def _labels(ids: np.ndarray, mapping: dict[str, str]) -> np.ndarray:
    out = np.full(len(ids), None, dtype=object)
    ok = pd.notna(ids)
    if ok.any():
        out[ok] = _lookup(mapping, ids[ok])
    return out


def _header(spec: _FileSpec, table: str, key: str) -> str:
    col = schema.column(table, key)
    style = spec.headers
    if style in ("alias", "alias_units"):
        text = _ALIAS_HEADERS[table][key]
        family = "alias"
    elif style == "en":
        text, family = col.en, "en"
    elif style == "zh_star":
        text, family = col.header, "zh"
    else:
        text, family = col.zh, "zh"
    units = _HEADER_UNITS.get((table, key), {})
    unit = units.get(family) or (units.get("zh") if family == "alias" else None)
    if key == "quantity_t" and spec.qty_unit == "kg":
        unit = "kg"
    always = key in ("quantity_t", "volume_m3")  # quantities always say their unit
    if unit and (always or style in ("zh_units", "alias_units")):
        text = f"{text} ({unit})" if family == "en" else f"{text}（{unit}）"
    return text


def _unit_values(spec: _FileSpec, units: pd.DataFrame, rng, parks: pd.DataFrame) -> dict[str, np.ndarray]:
    sec = {s.id: s for s in schema.SECTORS}
    style = spec.sector_style
    sector_label = {k: (s.zh if style == "zh" else s.en if style == "en" else s.aliases[0]) for k, s in sec.items()}
    crs_ids = units["crs"].to_numpy(dtype=object)
    if spec.crs_style == "mixed":
        a = _labels(crs_ids, _CRS_LABELS["label"])
        b = _labels(crs_ids, _CRS_LABELS["cn"])
        crs = np.where(rng.random(len(units)) < 0.5, a, b)
    else:
        crs = _labels(crs_ids, _CRS_LABELS[spec.crs_style])
    vals = {
        "unit_code": _text_obj(units["unit_code"]), "name": _text_obj(units["name"]),
        "credit_code": _text_obj(units["credit_code"]),
        "sector": _labels(units["sector"].to_numpy(dtype=object), sector_label),
        "district": _text_obj(units["district"]), "street": _text_obj(units["street"]),
        "address": _text_obj(units["address"]),
        "lon": _num_obj(units["lon"].to_numpy()), "lat": _num_obj(units["lat"].to_numpy()), "crs": crs,
        "employees": _num_obj(units["employees"].to_numpy(dtype=float)),
        "outside_population": _num_obj(units["outside_population"].to_numpy(dtype=float, na_value=np.nan)),
        "survey_date": _dates(units["survey_date"], spec.date_style),
        "surveyor": _text_obj(units["surveyor"]), "contact_name": _text_obj(units["contact_name"]),
        "contact_phone": _text_obj(units["contact_phone"]),
    }
    for k in RISK_LIST_UNIT_KEYS:
        vals[k] = _text_obj(units[k])
    if "所属园区" in spec.extra_unit_cols:
        plon, plat = parks["lon"].to_numpy(), parks["lat"].to_numpy()
        dx = (units["wgs84_lon"].to_numpy()[:, None] - plon[None, :]) * 102_800
        dy = (units["wgs84_lat"].to_numpy()[:, None] - plat[None, :]) * _M_PER_DEG_LAT
        d = np.hypot(dx, dy)
        near = d.min(axis=1) < 2500 if len(plon) else np.zeros(len(units), bool)
        park = np.full(len(units), None, dtype=object)
        park[near] = parks["name"].to_numpy(dtype=object)[d.argmin(axis=1)[near]]
        vals["所属园区"] = park
    return vals


def _hazard_values(spec: _FileSpec, hz: pd.DataFrame, rng) -> dict[str, np.ndarray]:
    eq = {e.id: (e.zh if spec.equip_style == "zh" else e.en if spec.equip_style == "en" else e.aliases[0])
          for e in schema.EQUIPMENT}
    crs_ids = hz["crs"].to_numpy(dtype=object)
    if spec.crs_style == "mixed":
        crs = np.where(rng.random(len(hz)) < 0.5, _labels(crs_ids, _CRS_LABELS["label"]),
                       _labels(crs_ids, _CRS_LABELS["cn"]))
    else:
        crs = _labels(crs_ids, _CRS_LABELS[spec.crs_style])
    q = hz["quantity_t"].to_numpy()
    vals = {k: _text_obj(hz[k]) for k in ("hazard_code", "unit_code", "name", "kind", "substance", "cas",
                                           "category", "note", *RISK_LIST_HAZARD_KEYS)}
    vals.update({
        "equipment": _labels(hz["equipment"].to_numpy(dtype=object), eq),
        "quantity_t": _num_obj(np.round(q * 1000) if spec.qty_unit == "kg" else q),
        "volume_m3": _num_obj(hz["volume_m3"].to_numpy()),
        "L": _num_obj(hz["L"].to_numpy()), "E": _num_obj(hz["E"].to_numpy()), "C": _num_obj(hz["C"].to_numpy()),
        "likelihood": _num_obj(hz["likelihood"].to_numpy(dtype=float, na_value=np.nan)),
        "severity": _num_obj(hz["severity"].to_numpy(dtype=float, na_value=np.nan)),
        "lon": _num_obj(hz["lon"].to_numpy()), "lat": _num_obj(hz["lat"].to_numpy()), "crs": crs,
    })
    return vals


def _unit_keys(spec: _FileSpec) -> list[str]:
    keys = [c.key for c in schema.UNIT_COLUMNS if c.key not in RISK_LIST_UNIT_KEYS]
    if spec.sector not in ("hazchem", "gas"):
        keys.remove("outside_population")
    if spec.risk_list:
        keys += [k for k in ("supervising_dept", "duty_phone") if k not in spec.end_unit_cols]
    if spec.major_people:
        keys += list(_MAJOR_PEOPLE)
    return keys


def _hazard_keys(spec: _FileSpec, flat: bool) -> list[str]:
    keys = list(_HAZARD_KEYS[spec.sector]) + (list(RISK_LIST_HAZARD_KEYS) if spec.risk_list else [])
    if not spec.hazard_crs and "crs" in keys:
        keys.remove("crs")
    if flat:
        keys = [k for k in keys if k not in ("unit_code", "lon", "lat", "crs")]
    return keys


def _width(table: str, key: str) -> float:
    try:
        return float(schema.column(table, key).width)
    except KeyError:
        return 14.0


def _build_files(city: City, rng, max_rows: int) -> list[_File]:
    return list(_iter_files(city, rng, max_rows))


def _iter_files(city: City, rng, max_rows: int):
    """The survey files one after the other (each built when asked for, so that a tidy
    city's files need not all be in memory at once)."""
    units, hazards = city.units, city.hazards
    u_sector = units["sector"].to_numpy(dtype=object)
    u_pos_of = pd.Series(np.arange(len(units)), index=units["unit_code"].to_numpy())
    h_unit_pos = u_pos_of.reindex(hazards["unit_code"].to_numpy()).to_numpy(dtype=np.int64)
    for spec in _FILES:
        u_idx = np.flatnonzero(u_sector == spec.sector)
        if not len(u_idx):
            continue
        # Hazards follow their units (units and hazards are both in unit order).
        h_idx = np.flatnonzero(np.isin(h_unit_pos, u_idx)) if len(u_idx) < len(units) else np.arange(len(hazards))
        h_count = np.bincount(h_unit_pos[h_idx] - u_idx[0], minlength=len(u_idx)) if len(u_idx) else np.zeros(0)
        limit = max(max_rows - min(SPLIT_RESERVE, max_rows // 10), 1)
        cum = np.cumsum(h_count)
        part_of = (np.r_[0, cum[:-1]] // limit) if spec.fmt == "xlsx" else np.zeros(len(u_idx), dtype=np.int64)
        n_parts = int(part_of.max()) + 1 if len(part_of) else 1
        h_part = np.repeat(part_of, h_count)
        for p in range(n_parts):
            pu = u_idx[part_of == p]
            ph = h_idx[h_part == p]
            ext = ".csv" if spec.fmt == "csv" else ".xlsx"
            name = spec.stem + (f"_{p + 1}" if n_parts > 1 else "") + ext
            sheets = _sheets_for(spec, city, pu, ph, h_unit_pos, rng)
            yield _File(spec, name, p + 1, n_parts, sheets)


def _sheets_for(spec: _FileSpec, city: City, pu: np.ndarray, ph: np.ndarray, h_unit_pos: np.ndarray,
                rng) -> list[_Sheet]:
    units = city.units.iloc[pu]
    hz = city.hazards.iloc[ph]
    uvals = _unit_values(spec, units, rng, city.parks)
    ukeys = _unit_keys(spec)
    ucols = [("units", k) for k in ukeys] + [("", h) for h in spec.extra_unit_cols]
    uheads = [_header(spec, "units", k) for k in ukeys] + list(spec.extra_unit_cols)
    hvals = _hazard_values(spec, hz, rng)
    u_codes = uvals["unit_code"]
    if spec.layout == "two_sheet":
        hkeys = _hazard_keys(spec, flat=False)
        hcols = [("hazards", k) for k in hkeys] + [("", h) for h in spec.extra_hazard_cols]
        hheads = [_header(spec, "hazards", k) for k in hkeys] + list(spec.extra_hazard_cols)
        common = dict(title="", blank_above=spec.blank_above, key_row=spec.key_row)
        us = _Sheet(schema.UNITS_SHEET, "units", ucols, uheads,
                    {c: uvals[c[1]] for c in ucols},
                    u_codes.copy(), u_codes.copy(), pu, None, np.ones(len(pu), bool),
                    widths=[_width(*c) for c in ucols], **common)
        hs = _Sheet(schema.HAZARDS_SHEET, "hazards", hcols, hheads, {c: hvals[c[1]] for c in hcols},
                    hvals["unit_code"].copy(), hvals["hazard_code"].copy(), h_unit_pos[ph], ph,
                    np.ones(len(ph), bool), widths=[_width(*c) for c in hcols], **common)
        if spec.title:
            us.title = f"{spec.title}（单位信息）"
            hs.title = f"{spec.title}（危险源）"
        return [us, hs]
    # Flat: one row per hazard, the unit's columns repeated.
    hkeys = _hazard_keys(spec, flat=True)
    local = pd.Series(np.arange(len(pu)), index=pu).reindex(h_unit_pos[ph]).to_numpy(dtype=np.int64)
    end = [("units", k) for k in spec.end_unit_cols]
    cols = ucols + [("hazards", k) for k in hkeys] + [("", h) for h in spec.extra_hazard_cols] + end
    heads = (uheads + [_header(spec, "hazards", k) for k in hkeys] + list(spec.extra_hazard_cols)
             + [schema.column("units", k).zh for k in spec.end_unit_cols])
    values = {}
    for c in ucols + end:
        values[c] = uvals[c[1]][local]
    for k in hkeys:
        values[("hazards", k)] = hvals[k]
    for h in spec.extra_hazard_cols:
        values[("", h)] = hvals[h]
    counts = np.bincount(local, minlength=len(pu))
    sheet_name = CSV_SHEET if spec.fmt == "csv" else (spec.flat_sheet or "调查表")
    return [_Sheet(sheet_name, "flat", cols, heads, values, u_codes[local], hvals["hazard_code"].copy(),
                   h_unit_pos[ph], ph, counts[local] == 1, title=spec.title, blank_above=spec.blank_above,
                   key_row=spec.key_row, widths=[_width(t or "units", k) for t, k in cols])]


# --- injections --------------------------------------------------------------------------

_FULLWIDTH = str.maketrans("0123456789.-,", "０１２３４５６７８９．－，")


def _fmt_number(v) -> str:
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return format(float(v), ".6f").rstrip("0").rstrip(".")


def _dms(v: float, style: int) -> str:
    hund = int(round(abs(v) * 360000))
    deg, rest = divmod(hund, 360000)
    mins, sec = divmod(rest, 6000)
    s = f"{sec / 100:05.2f}"
    if style == 0:
        return f"{deg}°{mins}′{s}″"
    if style == 1:
        return f"{deg}度{mins}分{s}秒"
    return f"{deg}°{mins}'{s}\""


def _column_of(sheet: _Sheet, table: str, key: str) -> tuple[str, str] | None:
    """The sheet column holding (table, key); in a flat sheet the unit code is the units'."""
    if (table, key) in sheet.values:
        return (table, key)
    return None


def _eligible(code: str, f: _File, sheet: _Sheet, table: str, key: str) -> bool:
    if _column_of(sheet, table, key) is None or sheet.n == 0:
        return False
    xlsx = f.spec.fmt == "xlsx"
    if code == "E_REQUIRED_MISSING" and key == "hazard_code" and sheet.kind == "flat":
        return False  # a flat row without a hazard code is a unit-only row, not an error
    if code == "E_UNIT_CODE_DUPLICATE" and sheet.kind != "units":
        return False
    if code in ("excel_date_serial", "number_as_text") and not xlsx:
        return False
    if code == "unit_in_cell" and f.spec.qty_unit != "t":
        return False
    return not (code == "chinese_date" and f.spec.date_style == "cn")


def _row_ok(code: str, sheet: _Sheet, table: str, key: str, i: int) -> bool:
    """Whether row ``i`` can take this injection. In a flat sheet a unit's fields are
    repeated on each of its rows, so unit fields are only touched on single-row units
    (otherwise the importer would rightly report W_UNIT_FIELDS_DIFFER instead)."""
    v = sheet.values[(table, key)][i]
    if table == "units" and not sheet.single[i]:
        return False
    if code in ("E_CATEGORY_UNKNOWN", "E_UNIT_CODE_DUPLICATE"):
        return True  # a category may be written where none was; the copy supplies the rest
    if v is None:
        return False
    if code == "W_CREDIT_CODE_LOWERCASE":
        return any(ch.isalpha() for ch in v)
    if code == "accident_types_as_written":
        return "、" in v  # two types or more: their order and separators can vary
    if code == "thousands_separator":
        return abs(float(v)) >= 1000
    return True


def _pick(rng, f: _File, sheet: _Sheet, code: str, table: str, key: str, tries: int = 400) -> int | None:
    n = sheet.n
    for _ in range(tries):
        i = int(rng.integers(n))
        if i in sheet.used or sheet.row_unit[i] in f.used_units:
            continue
        if _row_ok(code, sheet, table, key, i):
            return i
    return None


def _mark(f: _File, sheet: _Sheet, i: int) -> None:
    sheet.used.add(i)
    f.used_units.add(sheet.row_unit[i])


def _mistake_value(code: str, key: str, v, rng, f: _File):
    def pick(seq):
        return seq[int(rng.integers(len(seq)))]

    if code == "E_REQUIRED_MISSING":
        return pick((None, None, "  "))
    if code == "E_SECTOR_UNKNOWN":
        return pick(("化工", "商贸", "其他行业"))
    if code == "E_CRS_UNKNOWN":
        return pick(("北京54", "西安80", "UTM"))
    if code == "E_COORD_INVALID":
        s = f"{float(v):.4f}"
        return pick((s[:-2] + "." + s[-2:], "见附件", f"{int(float(v))}°{int(rng.integers(60, 99))}′12″"))
    if code == "E_COORD_OUT_OF_CHINA":
        return round(float(v) / 10, 6)
    if code == "E_CREDIT_CODE_INVALID":
        variant = int(rng.integers(3))
        if variant == 0:  # wrong check character
            return v[:17] + ("0" if v[17] != "0" else "1")
        if variant == 1:  # one character short
            return v[:9] + v[10:]
        return v[:10] + "O" + v[11:]  # a letter the alphabet does not have
    if code == "E_CAS_INVALID":
        return v[:-1] + str((int(v[-1]) + 1) % 10)
    if code == "E_NUMBER_INVALID":
        return pick(("若干", "约五十", "见附表"))
    if code == "E_NUMBER_NEGATIVE":
        return -abs(v) if v else -5
    if code == "E_EQUIPMENT_UNKNOWN":
        return pick(("管道", "其他", "反应器"))
    if code == "E_CATEGORY_UNKNOWN":
        # Not Table 2 symbols even after header-style folding ("W12" would fold to W1.2).
        return pick(("W5.5", "J6", "W0"))
    if code == "E_LEC_VALUE":
        return {"L": pick((5, 2, 8)), "E": pick((4, 5, 8)), "C": pick((50, 20, 30))}[key]
    if code == "W_LEC_C16":
        return 16
    if code == "E_LS_VALUE":
        return pick((6, 0, 2.5))
    if code == "W_DATE_INVALID":
        return pick(("2024年13月5日", "2024-02-30", "上半年"))
    if code == "W_CREDIT_CODE_LOWERCASE":
        return v.lower()
    if code == "W_ACCIDENT_TYPE_UNKNOWN":  # not a GB 6441 type: the known part is kept
        return pick((f"{v}、泄漏", "环境污染", f"{v}、设备损坏"))
    if code == "W_CONTROL_LEVEL_UNKNOWN":
        return pick(("集团", "项目部", "分厂"))
    if code == "E_HAZARD_UNIT_UNKNOWN":
        head, num = v.rsplit("-", 1)
        return f"{head}-{num[1:]}"  # a digit dropped: no such unit
    raise KeyError(code)


_SHORTHAND = {"其他爆炸": "爆炸", "中毒和窒息": "中毒、窒息", "灼烫": "灼伤"}  # read as the type they mean
_LEVEL_ALIASES = {"公司": ("公司级", "厂级"), "部门": ("车间", "部门级"), "班组": ("班组级",), "岗位": ("岗位级",),
                  "市": ("市级",), "区": ("区级",), "街道": ("街道级", "镇街")}


def _mess_value(kind: str, key: str, v, rng, f: _File, clean):
    if kind == "fullwidth_digits":
        return _fmt_number(v).translate(_FULLWIDTH)
    if kind == "thousands_separator":
        if isinstance(v, (int, np.integer)) or float(v).is_integer():
            return f"{int(v):,}"
        return f"{float(v):,.3f}".rstrip("0").rstrip(".")
    if kind == "unit_in_cell":
        q = float(clean)
        variant = int(rng.integers(3))
        if variant == 0:
            return _fmt_number(q) + "吨"
        if variant == 1:
            return _fmt_number(q) + " t"
        return f"{int(round(q * 1000))}kg"
    if kind == "excel_date_serial":
        return int((pd.Timestamp(clean) - pd.Timestamp("1899-12-30")).days)
    if kind == "chinese_date":
        t = pd.Timestamp(clean)
        return f"{t.year}年{t.month}月{t.day}日"
    if kind == "dms_coordinate":
        return _dms(float(v), int(rng.integers(3)))
    if kind == "number_as_text":
        return _fmt_number(v)
    if kind == "accident_types_as_written":
        parts = [_SHORTHAND.get(p, p) for p in v.split("、")]
        if rng.random() < 0.5:
            parts.reverse()
        return ("，", ",", "；", "/", "\n", " / ")[int(rng.integers(6))].join(parts)
    if kind == "control_level_alias":
        options = _LEVEL_ALIASES[v]
        return options[int(rng.integers(len(options)))]
    if kind == "padded_spaces":
        return ("  " + v + " ") if rng.random() < 0.7 else ("\u3000" + v)
    raise KeyError(kind)


def _clean_value(city: City, sheet: _Sheet, table: str, key: str, i: int):
    """The generator's clean value behind a data row's cell, JSON-ready."""
    if table == "units":
        v = city.units[key].iat[int(sheet.u_index[i])]
    else:
        v = city.hazards[key].iat[int(sheet.h_index[i])]
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, (pd.Timestamp, np.datetime64, _dt.date)):
        return pd.Timestamp(v).strftime("%Y-%m-%d")
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return float(v)
    return v


def _jsonable(v):
    if v is None or isinstance(v, (str, bool)):
        return v
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v)
    if isinstance(v, (_dt.date, _dt.datetime)):
        return v.isoformat()
    return str(v)


def _inject_mistake(rng, f: _File, sh: _Sheet, code: str, table: str, key: str, i: int) -> bool:
    col = (table, key)
    entry = {"code": code, "sheet": sh, "ref": ("row", i), "table": table, "key": key,
             "record": sh.row_unit[i] if table == "units" else sh.row_record[i]}
    if code == "E_UNIT_CODE_DUPLICATE":
        j = _pick(rng, f, sh, code, table, key)
        if j is None:
            return False
        _mark(f, sh, j)
        cells = {c: sh.values[c][j] for c in sh.cols}
        cells[("units", "unit_code")] = sh.values[("units", "unit_code")][i]
        pos = int(rng.integers(i + 1, sh.n + 1))
        sh.extras.append((pos, cells, "duplicate_unit"))
        entry.update(ref=("extra", len(sh.extras) - 1), value=cells[col], related=("row", i))
    elif code == "E_HAZARD_CODE_DUPLICATE":
        j = None
        for _ in range(50):
            cand = int(rng.integers(sh.n))
            if cand != i and cand not in sh.used:
                j = cand
                break
        if j is None:
            return False
        cells = {c: sh.values[c][i] for c in sh.cols}
        for c in sh.cols:
            if c[0] in ("hazards", "") and c != ("hazards", "hazard_code") and c != ("hazards", "unit_code"):
                cells[c] = sh.values[c][j]
        pos = int(rng.integers(i + 1, sh.n + 1))
        sh.extras.append((pos, cells, "duplicate_hazard"))
        entry.update(ref=("extra", len(sh.extras) - 1), value=cells[col], related=("row", i))
    elif code == "W_COORD_SWAPPED":
        lon, lat = sh.values[("units", "lon")][i], sh.values[("units", "lat")][i]
        sh.values[("units", "lon")][i], sh.values[("units", "lat")][i] = lat, lon
        entry["value"] = lat
    else:
        new = _mistake_value(code, key, sh.values[col][i], rng, f)
        sh.values[col][i] = new
        entry["value"] = new
    f.mistakes.append(entry)
    return True


def _inject_mess(rng, city: City, f: _File, sh: _Sheet, kind: str, table: str, key: str, i: int) -> bool:
    clean = _clean_value(city, sh, table, key, i)
    new = _mess_value(kind, key, sh.values[(table, key)][i], rng, f, clean)
    sh.values[(table, key)][i] = new
    f.messes.append({"kind": kind, "sheet": sh, "ref": ("row", i), "table": table, "key": key,
                     "record": sh.row_unit[i] if table == "units" else sh.row_record[i],
                     "written": new, "expected": clean})
    return True


def _inject_risk_list(files: list[_File], city: City, rng, per_kind: int) -> None:
    """The risk-list columns' mistakes and mess, from their own stream (after every other
    injection, which therefore stays where it was)."""
    slots = [(f, sh) for f in files for sh in f.sheets]
    for code, targets in _RISK_LIST_MISTAKES:
        _place(rng, slots, code, targets, per_kind,
               lambda f, sh, table, key, i, code=code: _inject_mistake(rng, f, sh, code, table, key, i))
    for kind, targets in _RISK_LIST_MESSES:
        _place(rng, slots, kind, targets, per_kind,
               lambda f, sh, table, key, i, kind=kind: _inject_mess(rng, city, f, sh, kind, table, key, i))


def _place(rng, slots, code: str, targets, per_kind: int, apply) -> None:
    """Inject ``code`` at up to ``per_kind`` cells drawn over ``targets`` in ``slots``:
    ``apply(file, sheet, table, key, row)`` writes one (the row is marked used first) and
    says whether it counted."""
    cands = [(f, sh, t, k) for f, sh in slots for t, k in targets if _eligible(code, f, sh, t, k)]
    if not cands:
        return
    perm = rng.permutation(len(cands))
    done = attempt = 0
    while done < per_kind and attempt < 4 * len(cands) + per_kind:
        f, sh, table, key = cands[perm[attempt % len(cands)]]
        attempt += 1
        i = _pick(rng, f, sh, code, table, key)
        if i is None:
            continue
        _mark(f, sh, i)
        done += bool(apply(f, sh, table, key, i))


def _inject(files: list[_File], city: City, rng, per_kind: int) -> None:
    slots = [(f, sh) for f in files for sh in f.sheets]
    for code, targets in _MISTAKES:
        _place(rng, slots, code, targets, per_kind,
               lambda f, sh, table, key, i, code=code: _inject_mistake(rng, f, sh, code, table, key, i))
    for kind, targets in _MESSES:
        _place(rng, slots, kind, targets, per_kind,
               lambda f, sh, table, key, i, kind=kind: _inject_mess(rng, city, f, sh, kind, table, key, i))
    # Blank rows inside sheets (one of them holds only a space), total rows at the end.
    big = [(f, sh) for f, sh in slots if sh.n >= 2]
    for b in range(per_kind + 1 if big else 0):
        f, sh = big[int(rng.integers(len(big)))]
        pos = int(rng.integers(1, sh.n))
        cells = {sh.cols[0]: " "} if b == 0 else None
        sh.extras.append((pos, cells, "blank"))
        f.messes.append({"kind": "blank_row", "sheet": sh, "ref": ("extra", len(sh.extras) - 1)})
    for f, sh in slots:
        if sh.kind in f.spec.totals and sh.n:
            code_col = ("units", "unit_code") if sh.kind in ("units", "flat") else ("hazards", "hazard_code")
            cells = {code_col: "合计"}
            name_col = ("units", "name") if sh.kind == "units" else ("hazards", "name")
            if name_col in sh.values:
                cells[name_col] = f"共{sh.n}项"
            qcol = ("hazards", "quantity_t")
            if qcol in sh.values:
                q = [v for v in sh.values[qcol] if isinstance(v, (int, float))]
                cells[qcol] = round(float(sum(q)), 3)
            sh.extras.append((sh.n, cells, "total"))
            f.messes.append({"kind": "total_row", "sheet": sh, "ref": ("extra", len(sh.extras) - 1)})


# --- writing -----------------------------------------------------------------------------

class _StableZip(zipfile.ZipFile):
    """A ZipFile whose entries carry a fixed timestamp, so equal content gives equal bytes."""

    _DATE = FIXED_TIMESTAMP.timetuple()[:6]

    def _info(self, name: str) -> zipfile.ZipInfo:
        zi = zipfile.ZipInfo(name, date_time=self._DATE)
        zi.compress_type = self.compression
        zi.external_attr = 0o600 << 16
        return zi

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = self._info(zinfo_or_arcname)
        return super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        zi = self._info(arcname or os.path.basename(filename))
        size = os.path.getsize(filename)
        with open(filename, "rb") as src, self.open(zi, "w", force_zip64=size > (1 << 31) - (1 << 20)) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)


def _final_columns(sheet: _Sheet) -> tuple[list[np.ndarray], np.ndarray]:
    order, rows = sheet.order()
    out = []
    for c in sheet.cols:
        extra = np.array([None if cells is None else cells.get(c) for _, cells, _ in sheet.extras], dtype=object)
        col = np.concatenate([sheet.values[c], extra]) if len(extra) else sheet.values[c]
        out.append(col[order])
    return out, rows


def _write_xlsx(f: _File, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook(write_only=True)
    wb.properties.creator = "City Safety Risk Map sample generator"
    wb.properties.created = FIXED_TIMESTAMP
    wb.properties.modified = FIXED_TIMESTAMP
    if f.spec.instructions:
        ws = wb.create_sheet("填表说明")
        ws.column_dimensions["A"].width = 90
        for line in ("填表说明（示例数据，虚构）",
                     "1. 带 * 号的列为必填项；单位编码全表唯一，危险源表用单位编码关联单位。",
                     "2. 坐标填十进制度或度分秒，并注明坐标系（WGS84、CGCS2000、GCJ-02、BD-09）。",
                     "3. 设计最大量单位为吨；LEC 取值见 GB/T 13861 及作业条件危险性评价法。"):
            ws.append([line])
    bold = Font(bold=True)
    for sheet in f.sheets:
        ws = wb.create_sheet(sheet.name)
        for j, w in enumerate(sheet.widths):
            ws.column_dimensions[get_column_letter(j + 1)].width = w
        if sheet.title:
            cell = WriteOnlyCell(ws, value=sheet.title)
            cell.font = Font(bold=True, size=14)
            ws.append([cell])
            ws.merged_cells.add(f"A1:{get_column_letter(len(sheet.cols))}1")
        if sheet.blank_above:
            ws.append([])
        heads = []
        for h in sheet.headers:
            cell = WriteOnlyCell(ws, value=h)
            cell.font = bold
            heads.append(cell)
        ws.append(heads)
        if sheet.key_row:
            ws.append([k if t else "" for t, k in sheet.cols])
        cols, _ = _final_columns(sheet)
        for row in zip(*cols):
            ws.append(row)
    archive = _StableZip(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(wb, archive).save()


def _write_csv(f: _File, path: Path) -> None:
    (sheet,) = f.sheets
    cols, _ = _final_columns(sheet)
    frame = pd.DataFrame({i: c for i, c in enumerate(cols)})
    with open(path, "w", encoding="gb18030", newline="") as out:
        frame.to_csv(out, index=False, header=sheet.headers, lineterminator="\r\n")


def _resolve(sheet: _Sheet, ref: tuple[str, int], rows: np.ndarray) -> int:
    kind, i = ref
    return int(rows[i] if kind == "row" else rows[sheet.n + i])


def _file_manifest(f: _File, city: City) -> dict:
    rows_of = {id(sh): sh.order()[1] for sh in f.sheets}
    sheets = []
    for sh in f.sheets:
        tags = [t for _, _, t in sh.extras]
        data_rows = sh.n + sum(t.startswith("duplicate") for t in tags)
        blank = tags.count("blank")
        total = tags.count("total")
        last = sh.first_data_row + sh.n + len(sh.extras) - 1
        sheets.append({
            "sheet": sh.name, "table": sh.kind,
            "title_row": 1 if sh.title else None, "header_row": sh.header_row,
            "key_row": sh.header_row + 1 if sh.key_row else None,
            "first_data_row": sh.first_data_row, "last_row": last,
            "data_rows": data_rows, "blank_rows": blank, "total_rows": total,
            "rows_below_header": data_rows + blank + total,
            "columns": [{"table": t or None, "key": k, "header": h} for (t, k), h in zip(sh.cols, sh.headers)],
            "extra_columns": [k for t, k in sh.cols if not t],
        })
    mistakes, consequences, messes = [], [], []
    for m in f.mistakes:
        sh = m["sheet"]
        rows = rows_of[id(sh)]
        entry = {"code": m["code"], "severity": _ISSUE_SEVERITY[m["code"][0]], "sheet": sh.name,
                 "excel_row": _resolve(sh, m["ref"], rows), "table": m["table"], "key": m["key"],
                 "record": m["record"], "value": _jsonable(m.get("value"))}
        if "related" in m:
            entry["related_row"] = _resolve(sh, m["related"], rows)
        mistakes.append(entry)
        # A rejected unit takes its hazard rows with it (E_HAZARD_UNIT_REJECTED).
        rejects_unit = (m["table"] == "units" and entry["severity"] == "error"
                        and m["code"] != "E_UNIT_CODE_DUPLICATE")
        if rejects_unit:
            code = sh.row_unit[m["ref"][1]]
            for hs in f.sheets:
                if hs.kind not in ("hazards", "flat"):
                    continue
                hrows = rows_of[id(hs)]
                for i in np.flatnonzero(hs.row_unit == code):
                    consequences.append({"code": "E_HAZARD_UNIT_REJECTED", "severity": "error", "sheet": hs.name,
                                         "excel_row": int(hrows[i]), "table": "hazards", "key": "unit_code",
                                         "record": hs.row_record[i], "value": code,
                                         "caused_by": {"sheet": sh.name, "excel_row": entry["excel_row"],
                                                       "code": m["code"]}})
    for m in f.messes:
        sh = m["sheet"]
        entry = {"kind": m["kind"], "sheet": sh.name, "excel_row": _resolve(sh, m["ref"], rows_of[id(sh)])}
        if "key" in m:
            entry.update(table=m["table"], key=m["key"], record=m["record"], written=_jsonable(m["written"]),
                         expected=_jsonable(m["expected"]))
        messes.append(entry)
    mistakes.sort(key=lambda e: (e["sheet"], e["excel_row"]))
    consequences.sort(key=lambda e: (e["sheet"], e["excel_row"]))
    messes.sort(key=lambda e: (e["sheet"], e["excel_row"]))

    # What a correct import of this file gives (import_runs' columns).
    errors = [m for m in mistakes if m["severity"] == "error"]
    flat = f.spec.layout == "flat"
    unit_errors = sum(1 for m in errors if m["table"] == "units")
    hazard_row_errors = sum(1 for m in errors if m["table"] == "hazards") + len(consequences)
    if flat:
        (sh,) = f.sheets
        rows = sheets[0]["data_rows"]
        distinct = len(pd.unique(sh.row_unit))
        units_accepted = distinct - unit_errors
        hazards_accepted = rows - hazard_row_errors
        rows_accepted = hazards_accepted
    else:
        us, hs = sheets
        units_accepted = us["data_rows"] - unit_errors
        hazards_accepted = hs["data_rows"] - hazard_row_errors
        rows_accepted = units_accepted + hazards_accepted
    issues: dict[str, int] = {}
    for m in mistakes + consequences:
        issues[m["code"]] = issues.get(m["code"], 0) + 1
    read = sum(s["rows_below_header"] for s in sheets)
    blank = sum(s["blank_rows"] for s in sheets)
    total = sum(s["total_rows"] for s in sheets)
    return {
        "file": f.name, "format": f.spec.fmt, "encoding": "gb18030" if f.spec.fmt == "csv" else None,
        "layout": f.spec.layout, "sector": f.spec.sector, "part": f.part, "parts": f.parts,
        "headers": f.spec.headers, "date_style": f.spec.date_style, "quantity_unit": f.spec.qty_unit,
        "units": int(len(pd.unique(np.concatenate([sh.row_unit for sh in f.sheets])))),
        "hazards": int(sum(sh.n for sh in f.sheets if sh.kind in ("hazards", "flat"))),
        "sheets": sheets,
        "expected": {
            "rows_read": read, "rows_accepted": rows_accepted, "rows_rejected": read - blank - total - rows_accepted,
            "rows_skipped_blank": blank, "rows_skipped_total": total,
            "units_accepted": units_accepted, "hazards_accepted": hazards_accepted,
            "issues": dict(sorted(issues.items())),
        },
        "mistakes": mistakes, "consequences": consequences, "messes": messes,
    }


def write_city(city: City, out_dir: str | Path, *, messy: bool = True, seed: int | None = None,
               max_rows: int = MAX_SHEET_ROWS, per_kind: int = 3) -> dict:
    """Write the survey files of ``city`` to ``out_dir`` and return their manifest.

    One file per sector (``01_危险化学品.xlsx`` … ``07_特种设备.csv``), in the layouts of
    :data:`_FILES`; a sector with more than ``max_rows`` rows in a sheet is split into
    ``NN_name_1.xlsx``, ``NN_name_2.xlsx`` … With ``messy`` (default), ``per_kind`` cells of
    each kind of mess (read correctly) and of each mistake (rejected or warned about) are
    injected at positions drawn from ``seed`` (default: the city's seed), plus a few blank
    rows and trailing 合计 rows. The manifest (also written to ``manifest.json``) lists,
    per file, the sheets and their row counts, every injected mistake with its issue code
    and Excel row (CSV: line number, header = 1; sheet ``csv``), the hazards rejected in
    consequence, every mess with the value the importer should read, and the counts a
    correct import gives (``expected``, the columns of ``import_runs``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    seed = city.seed if seed is None else int(seed)
    rng = np.random.default_rng([seed, 11])
    files: Any = _iter_files(city, rng, max_rows)
    if messy:  # the injections are drawn across all files: build them all first
        files = list(files)
        _inject(files, city, np.random.default_rng([seed, 12]), per_kind)
        _inject_risk_list(files, city, np.random.default_rng([seed, 13]), per_kind)
    entries = []
    for f in files:  # a tidy city's files are built, written and dropped one at a time
        path = out / f.name
        tmp = path.with_name(path.name + ".part")
        if f.spec.fmt == "csv":
            _write_csv(f, tmp)
        else:
            _write_xlsx(f, tmp)
        os.replace(tmp, path)
        entries.append(_file_manifest(f, city))
        del f  # before the next file is built
    issues: dict[str, int] = {}
    for e in entries:
        for k, v in e["expected"]["issues"].items():
            issues[k] = issues.get(k, 0) + v
    manifest = {
        "generator": "tools.sample_city.generator", "format_version": 1, "fictional": True,
        "seed": int(city.seed), "write_seed": seed, "messy": bool(messy), "per_kind": per_kind,
        "n_units": int(len(city.units)), "n_hazards": int(len(city.hazards)),
        "units_per_sector": {k: int(v) for k, v in city.units["sector"].value_counts().sort_index().items()},
        "survey_extent": list(SHENZHEN_BOX),
        "conventions": {
            "excel_row": "1-based row number in the sheet; for CSV the 1-based line number (header = 1)",
            "csv_sheet": CSV_SHEET,
            "expected": "what a correct import gives per file (columns of import_runs)",
            "consequences": "hazard rows rejected because their unit row was rejected (E_HAZARD_UNIT_REJECTED)",
            "messes": "cells the importer must read as 'expected' (the generator's clean value) without an issue",
        },
        "expected_issues": dict(sorted(issues.items())),
        "files": entries,
    }
    if city.profile != "sample":
        manifest["profile"] = city.profile
    with open(out / MANIFEST_NAME, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=1)
    return manifest


# =========================================================================================
# write_layers: districts, receptors, population
# =========================================================================================


def write_layers(city: City, out_dir: str | Path) -> dict:
    """``districts.gpkg`` (layer ``districts``), ``receptors.gpkg`` (layer ``receptors``,
    points, and ``receptor_areas``, the few polygon receptors) in EPSG:4490, GeoPackage 1.2;
    ``population.tif`` (people per 100 m cell, int16, nodata -1, EPSG:4547, LZW)."""
    import pyogrio
    import rasterio

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stamp = {"OGR_CURRENT_DATE": FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%S.000Z")}
    pyogrio.set_gdal_config_options(stamp)
    try:
        result = {}
        path = out / "districts.gpkg"
        if path.exists():
            path.unlink()
        pyogrio.write_dataframe(city.districts, path, layer="districts", driver="GPKG",
                                dataset_options={"VERSION": "1.2"}, promote_to_multi=True)
        result["districts.gpkg"] = {"districts": int(len(city.districts))}
        path = out / "receptors.gpkg"
        if path.exists():
            path.unlink()
        rec = city.receptors
        points = rec[rec.geom_type == "Point"]
        areas = rec[rec.geom_type != "Point"]
        pyogrio.write_dataframe(points, path, layer="receptors", driver="GPKG", dataset_options={"VERSION": "1.2"})
        if len(areas):
            pyogrio.write_dataframe(areas, path, layer="receptor_areas", driver="GPKG", promote_to_multi=True)
        result["receptors.gpkg"] = {"receptors": int(len(points)), "receptor_areas": int(len(areas))}
    finally:
        pyogrio.set_gdal_config_options({k: None for k in stamp})
    pop = city.population
    profile = {
        "driver": "GTiff", "width": pop.shape[1], "height": pop.shape[0], "count": 1, "dtype": "int16",
        "crs": city.population_crs, "transform": city.population_transform, "nodata": city.population_nodata,
        "compress": "lzw", "predictor": 2, "tiled": True, "blockxsize": 256, "blockysize": 256,
    }
    path = out / "population.tif"
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(pop, 1)
        dst.update_tags(units="people per cell", cell_size_m=str(RASTER_CELL_M), source="fictional (sample_city)")
        dst.set_band_description(1, "population")
    valid = pop[pop != city.population_nodata]
    result["population.tif"] = {"width": int(pop.shape[1]), "height": int(pop.shape[0]),
                                "cell_m": RASTER_CELL_M, "crs": city.population_crs,
                                "people": int(valid.sum(dtype=np.int64)), "nodata": city.population_nodata}
    return result
