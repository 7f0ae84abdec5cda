// The widget's words in the two languages buyers read: zh-CN (the platform's) and en.
// Badge names are the platform's own (信任购, 优质商家, 官方保真); the reasons are the public
// meaning of each rule that passed (the service gives the same rule codes to every caller; its
// figures are for the shop's own key, never for a widget).

export type Lang = "zh-CN" | "en";

export function langOf(raw: string | null | undefined): Lang {
  return (raw ?? "").toLowerCase().startsWith("en") ? "en" : "zh-CN";
}

const BADGES: Record<string, Record<Lang, string>> = {
  TRUST_PURCHASE: { "zh-CN": "信任购", en: "Trusted purchase" },
  QUALITY_MERCHANT: { "zh-CN": "优质商家", en: "Quality merchant" },
  OFFICIAL_AUTHENTICITY: { "zh-CN": "官方保真", en: "Official authenticity" },
};

const RULES: Record<string, Record<Lang, string>> = {
  REQUIRED_RIGHTS: { "zh-CN": "已开通所需的消费者保障", en: "Required buyer protections are on" },
  TRUST_RIGHTS: { "zh-CN": "已开通信任权益", en: "Trust rights are open" },
  MIN_DELIVERED_ORDERS: { "zh-CN": "近期妥投订单充足", en: "Enough orders delivered recently" },
  MIN_ORDERS: { "zh-CN": "近期订单充足", en: "Enough recent orders" },
  REPURCHASE_RATE: { "zh-CN": "回头客比例达标", en: "Buyers come back" },
  MIN_BUYERS: { "zh-CN": "近期买家充足", en: "Enough recent buyers" },
  FOR_CAUSE_REFUND_RATE: { "zh-CN": "因商品问题退款少", en: "Few refunds for cause" },
  COMPLAINT_RATE: { "zh-CN": "投诉少", en: "Few complaints" },
  DEPENDENT_SHARE: {
    "zh-CN": "订单来自众多独立买家",
    en: "Orders come from many independent buyers",
  },
  REVIEW_SCORE: { "zh-CN": "评价分达标", en: "Good review score" },
  VIOLATION_SEVERITY: { "zh-CN": "近期无严重违规", en: "No serious violations recently" },
  FALSE_ADS: { "zh-CN": "无虚假宣传记录", en: "No confirmed false advertising" },
  MIN_INSPECTIONS: { "zh-CN": "官方抽检充足", en: "Enough official inspections" },
  INSPECTION_PASS_RATE: { "zh-CN": "官方抽检通过", en: "Official inspections pass" },
};

const WORDS = {
  loading: { "zh-CN": "正在加载信任信息…", en: "Loading trust info…" },
  none: { "zh-CN": "暂无信任徽章", en: "No trust badges yet" },
  unknownShop: { "zh-CN": "未找到该商家", en: "Shop not found" },
  unknownHost: { "zh-CN": "未找到该主播", en: "Host not found" },
  unreachable: { "zh-CN": "信任信息暂不可用", en: "Trust info unavailable" },
  group: { "zh-CN": "信任徽章", en: "Trust badges" },
  why: { "zh-CN": "获得依据", en: "Why this badge" },
  grace: { "zh-CN": "宽限期内，规则暂未全部满足", en: "In its grace period: a rule is not met" },
  granted: { "zh-CN": "获得徽章：", en: "Badge granted: " },
  lost: { "zh-CN": "失去徽章：", en: "Badge lost: " },
  orderPrefix: { "zh-CN": "商家保障", en: "Seller assurance" },
} as const;

export type Word = keyof typeof WORDS;

export function word(name: Word, lang: Lang): string {
  return WORDS[name][lang];
}

export function badgeName(kind: string, lang: Lang): string {
  return BADGES[kind]?.[lang] ?? kind;
}

/** The public reason of one rule code (<RULE>_MET), or null for codes the widget does not show. */
export function ruleReason(code: string, lang: Lang): string | null {
  if (!code.endsWith("_MET") || code.endsWith("_NOT_MET")) {
    return null;
  }
  return RULES[code.slice(0, -"_MET".length)]?.[lang] ?? null;
}

export function groupLabel(name: string | null, lang: Lang): string {
  if (!name) {
    return word("group", lang);
  }
  return lang === "en" ? `Trust badges of ${name}` : `${name}的信任徽章`;
}

export function since(iso: string, lang: Lang): string {
  const date = new Intl.DateTimeFormat(lang, { dateStyle: "medium" }).format(new Date(iso));
  return lang === "en" ? `since ${date}` : `自${date}起`;
}
