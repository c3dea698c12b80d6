"""Default taxonomy (PRODUCT.md): ten categories plus 其他, with service levels."""

DEFAULT_CATEGORIES = [
    # code, name, accept working hours, completion working days, default handler
    ("property", "物业服务", 2, 5, "property"),
    ("environment", "环境卫生", 2, 3, "grid"),
    ("health_education", "医疗教育", 4, 10, "department"),
    ("municipal", "市政设施", 2, 5, "department"),
    ("transport", "交通出行", 4, 10, "department"),
    ("social_security", "社会保障", 4, 10, "community"),
    ("public_security", "治安安全", 1, 2, "department"),
    ("market", "市场监管", 4, 7, "department"),
    ("construction", "城建拆迁", 4, 15, "department"),
    ("employment", "就业创业", 4, 10, "community"),
    ("other", "其他", 4, 10, "community"),
]

# Department that takes each category by default when one exists with this name.
DEFAULT_DEPARTMENTS = {
    "health_education": "区卫生健康委员会",
    "municipal": "区城市管理局",
    "transport": "区交通运输局",
    "public_security": "南京市公安局栖霞分局",
    "market": "区市场监督管理局",
    "construction": "区住房和城乡建设局",
}
