"""FreshDash's three-level taxonomy: names in zh and en, keywords and example phrases per node.

Packaging is deliberately missing: the "new containers leak" story is a theme nobody has
named yet, for topic discovery to find.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Node:
    key: str
    name_zh: str
    name_en: str
    keywords: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    children: tuple[Node, ...] = field(default=())


def _n(key: str, zh: str, en: str, kw: str, ex: tuple[str, ...], *kids: Node) -> Node:
    return Node(key, zh, en, tuple(k for k in kw.split("|") if k), ex, tuple(kids))


TAXONOMY: tuple[Node, ...] = (
    _n(
        "delivery",
        "配送",
        "Delivery",
        "配送|送达|delivery|delivered",
        ("配送体验一般", "delivery was fine"),
        _n(
            "delivery.speed",
            "配送时效",
            "Delivery speed",
            "送得慢|速度|slow delivery|took long",
            ("配送速度太慢", "delivery is so slow", "送货速度很快"),
            _n(
                "delivery.late",
                "超时",
                "Late delivery",
                "超时|迟到|太慢|送得慢|才送到|还没到|等了|晚了|late|slow|waited|still waiting|took over",
                (
                    "等了一个多小时才送到",
                    "超时四十分钟",
                    "order arrived an hour late",
                    "still waiting for my delivery",
                ),
            ),
            _n(
                "delivery.eta",
                "预计时间不准",
                "Inaccurate ETA",
                "预计|显示送达|预计时间|ETA|estimated time|tracking",
                ("预计30分钟结果一小时", "the ETA kept changing", "地图上骑手一直不动"),
            ),
        ),
        _n(
            "delivery.rider",
            "骑手服务",
            "Rider service",
            "骑手|小哥|配送员|rider|courier",
            ("骑手服务很好", "the rider was polite"),
            _n(
                "delivery.rider_attitude",
                "骑手态度",
                "Rider attitude",
                "态度差|不耐烦|骂人|rude|impolite|yelled",
                ("骑手态度很差还挂电话", "the courier was rude to me", "小哥很有礼貌"),
            ),
            _n(
                "delivery.wrong_address",
                "送错地址",
                "Wrong address / not at door",
                "送错|放门口|没送上楼|已送达|隔壁楼|小区门口|wrong address|gate|wrong building|never got it",
                ("外卖被送到别的楼", "left my order at the gate", "没送上楼就点了送达"),
            ),
        ),
        _n(
            "delivery.fee",
            "配送费",
            "Delivery fee",
            "配送费|运费|delivery fee|shipping fee",
            ("配送费又涨了", "the delivery fee is too high", "免配送费门槛太高"),
        ),
    ),
    _n(
        "quality",
        "商品质量",
        "Product quality",
        "质量|品质|quality",
        ("东西质量不错", "quality has dropped"),
        _n(
            "quality.fresh",
            "生鲜新鲜度",
            "Freshness",
            "新鲜|fresh",
            ("水果很新鲜", "produce is always fresh"),
            _n(
                "quality.spoiled",
                "不新鲜",
                "Not fresh / spoiled",
                "不新鲜|烂了|坏了|发霉|变质|臭|rotten|spoiled|moldy|mouldy|expired|gone off",
                (
                    "草莓一半都烂了",
                    "the milk had expired",
                    "三文鱼有味道了",
                    "the avocados were moldy",
                ),
            ),
        ),
        _n(
            "quality.food",
            "餐品口味",
            "Food taste & portions",
            "口味|味道|好吃|taste|tasty",
            ("菜很好吃", "the food was delicious"),
            _n(
                "quality.taste",
                "口味",
                "Taste",
                "难吃|太咸|没味道|味道|好吃|油太多|太辣|辣到|bland|salty|too spicy|delicious|tastes",
                ("酸菜鱼太咸了", "the noodles were bland", "味道很正宗"),
            ),
            _n(
                "quality.portion",
                "分量",
                "Portion size",
                "分量|量少|portion|tiny|small portion",
                ("分量越来越少", "the portion was tiny for the price", "分量很足"),
            ),
        ),
        _n(
            "quality.items",
            "缺货错货",
            "Missing or wrong items",
            "少送|漏单|送错|missing|wrong item",
            ("少送了东西", "got the wrong items"),
            _n(
                "quality.missing",
                "漏送",
                "Missing items",
                "少送|漏送|少了|没送|没给|都没有|missing|forgot|no rice",
                ("少了一瓶饮料", "the drinks were missing", "订单里漏了两样"),
            ),
            _n(
                "quality.wrong",
                "错送",
                "Wrong items",
                "送错了|发错|不是我点的|wrong item|substituted|not what I ordered",
                ("送来的不是我点的", "they substituted my milk without asking", "发错了规格"),
            ),
        ),
    ),
    _n(
        "price",
        "价格与优惠",
        "Price & promotions",
        "价格|优惠|price|promotion|deal",
        ("价格还算合理", "prices are fair"),
        _n(
            "price.level",
            "价格",
            "Prices",
            "价格|贵|便宜|price|expensive|cheap",
            ("东西挺便宜的", "good value"),
            _n(
                "price.high",
                "价格偏高",
                "Prices too high",
                "太贵|涨价|比超市贵|overpriced|too expensive|price went up",
                ("比超市贵不少", "prices went up again", "同样的菜贵了五块"),
            ),
        ),
        _n(
            "price.coupon",
            "优惠券",
            "Coupons",
            "优惠券|券|红包|coupon|voucher|promo",
            ("优惠券挺多", "love the coupons"),
            _n(
                "price.coupon_fail",
                "优惠券无法使用",
                "Coupon not working",
                "券|用不了|不能用|满减|没生效|失效|coupon|voucher|discount wasn't applied",
                ("优惠券用不了", "the voucher was not applied at checkout", "满减没生效"),
            ),
        ),
        _n(
            "price.member",
            "会员权益",
            "Membership benefits",
            "会员|黑金|金卡|membership|member|subscription",
            ("会员权益缩水了", "the membership is worth it", "membership perks got cut"),
        ),
    ),
    _n(
        "app",
        "App 体验",
        "App experience",
        "app|APP|应用|软件",
        ("app 用起来很顺", "the app is easy to use"),
        _n(
            "app.stability",
            "稳定性",
            "Stability",
            "稳定|stable",
            ("app 很稳定", "the app is stable now"),
            _n(
                "app.crash",
                "闪退卡顿",
                "Crashes & lag",
                "闪退|卡顿|卡死|白屏|加载不出来|crash|crashes|freezes|laggy|won't load",
                ("一打开就闪退", "the app keeps crashing", "页面一直转圈加载不出来"),
            ),
        ),
        _n(
            "app.ordering",
            "搜索与下单",
            "Search & ordering",
            "搜索|下单|search|checkout",
            ("下单很方便", "easy to order"),
            _n(
                "app.search",
                "搜索",
                "Search",
                "搜不到|搜索|筛选|search|can't find|filter",
                ("搜索结果乱七八糟", "search never finds what I type", "搜不到想要的菜"),
            ),
        ),
        _n(
            "app.feature",
            "功能建议",
            "Feature requests",
            "建议增加|希望能支持|有没有|要是有|连个|please add|would be nice|feature request|is there|still no",
            ("希望增加预约送达", "please add a dark mode", "能不能支持拼单"),
        ),
    ),
    _n(
        "payment",
        "支付",
        "Payment",
        "支付|付款|payment|pay",
        ("支付很方便", "payment was quick"),
        _n(
            "payment.failure",
            "支付失败",
            "Payment failure",
            "支付失败|付不了款|付款失败|支付页面报错|系统繁忙|payment failed|can't pay|checkout|payment page",
            ("支付一直失败", "payment failed three times", "付款页面报错"),
        ),
        _n(
            "payment.double",
            "重复扣款",
            "Double charge",
            "扣了两次|重复扣款|多扣|charged twice|double charged|charged two times",
            ("被扣了两次钱", "I was charged twice for one order", "多扣了一笔"),
        ),
    ),
    _n(
        "service",
        "客服",
        "Customer service",
        "客服|customer service|support|agent",
        ("客服很耐心", "support was helpful"),
        _n(
            "service.response",
            "响应速度",
            "Response time",
            "没人回|排队|联系不上|机器人|no reply|no response|on hold|couldn't reach",
            ("人工客服排队半小时", "no one replied to my email", "只有机器人回复"),
        ),
        _n(
            "service.attitude",
            "服务态度",
            "Agent attitude",
            "敷衍|态度|推给|复制粘贴|不归他们管|unhelpful|useless|blames|copy-paste",
            ("客服一直敷衍", "the agent just copy-pasted replies", "客服态度很好"),
        ),
    ),
    _n(
        "refund",
        "退款售后",
        "Refunds & after-sales",
        "退款|售后|refund|return",
        ("售后处理很快", "refund was easy"),
        _n(
            "refund.progress",
            "退款进度",
            "Refund progress",
            "退款|没到账|还没退|refund|haven't received|still no refund",
            ("退款一周了还没到账", "still waiting for my refund", "说好的退款没收到"),
        ),
        _n(
            "refund.request",
            "售后申请",
            "After-sales requests",
            "申请售后|驳回|拍照|退货|claim|rejected|return request",
            ("售后申请被驳回了", "my claim was rejected without reason", "要拍照才能申请"),
        ),
    ),
)


def walk(nodes: tuple[Node, ...] = TAXONOMY, level: int = 1) -> list[tuple[Node, int, str | None]]:
    """Every node with its level and its parent's key, parents before children."""
    out: list[tuple[Node, int, str | None]] = []

    def visit(node: Node, depth: int, parent: str | None) -> None:
        out.append((node, depth, parent))
        for child in node.children:
            visit(child, depth + 1, node.key)

    for node in nodes:
        visit(node, level, None)
    return out


def keys() -> set[str]:
    return {node.key for node, _, _ in walk()}
