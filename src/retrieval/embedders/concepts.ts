import { fnv1a, phraseStems } from '../../text/local-text.js';

/**
 * Hand-written merchant/e-commerce concept lexicon for the local embedder. Each line maps
 * English words/phrases and Chinese terms to one shared concept, so a paraphrase ("money back")
 * or the other language (退款) meets the document's wording ("refund") on a common feature.
 * Format: [concept, English terms (comma-separated), Chinese terms (space-separated)].
 * English terms go through the same stemmer as text; phrases are matched on consecutive
 * non-stopword words ("send it back" → send back). A term may belong to several concepts.
 */
const LEXICON: ReadonlyArray<readonly [string, string, string]> = [
  [
    'refund',
    'refund, money back, reimburse, reimbursement, repay, repayment, credit back',
    '退款 退钱 返款 退费 退回款项 返还',
  ],
  ['return', 'return, send back, give back, rma, return label', '退货 退回 寄回 退还商品'],
  [
    'shipping',
    'shipping, ship, shipment, delivery, deliver, dispatch, parcel, package, courier, carrier',
    '发货 物流 快递 配送 包裹 寄送 送货 运送',
  ],
  ['tracking', 'tracking, track, tracking number, order status', '追踪 跟踪 物流单号 快递单号 查件 物流信息'],
  [
    'delay',
    'delay, late, delayed, not arrived, never arrived, still waiting, overdue',
    '延迟 延误 没收到 未收到 迟迟 还没到',
  ],
  ['lost', 'lost, missing, lost parcel, disappeared', '丢失 丢件 遗失 找不到'],
  [
    'postage',
    'shipping fee, shipping cost, postage, free shipping, delivery fee, delivery charge',
    '运费 邮费 包邮 免运费',
  ],
  [
    'payout',
    'payout, settlement, settle, get paid, withdraw, withdrawal, disbursement, transfer to bank',
    '结算 提现 打款 回款 到账 出款',
  ],
  [
    'fee',
    'fee, commission, charge, service fee, transaction fee, surcharge',
    '佣金 手续费 费用 服务费 扣点 费率',
  ],
  [
    'coupon',
    'coupon, voucher, discount, promo, promo code, promotion, markdown',
    '优惠券 促销 折扣 优惠码 优惠 打折 满减',
  ],
  [
    'campaign',
    'flash sale, campaign, black friday, holiday sale, seasonal sale',
    '活动 大促 秒杀 双十一 限时',
  ],
  ['dispute', 'dispute, chargeback, claim, complaint, appeal, fraud claim', '纠纷 拒付 申诉 投诉 争议 索赔'],
  [
    'account',
    'account, login, log in, sign in, password, 2fa, two factor, hacked, security, locked out',
    '账户 账号 安全 密码 登录 登陆 被盗 验证码',
  ],
  [
    'suspension',
    'suspended, suspension, banned, blocked, frozen, deactivated, restricted',
    '封号 冻结 封禁 限制 停用',
  ],
  [
    'verification',
    'verify, verification, kyc, identity, id document, business license',
    '认证 实名 审核 验证 营业执照 身份',
  ],
  [
    'listing',
    'listing, product page, publish, unpublish, product detail',
    '商品 上架 下架 商品页 详情页 发布',
  ],
  ['product', 'product, item, goods, sku, merchandise, variant', '商品 产品 货品 宝贝 单品 规格'],
  ['exchange', 'exchange, size swap, swap, replace, replacement', '换货 更换 调换 换一个'],
  ['size', 'size, sizing, fit, size chart, measurement', '尺码 尺寸 大小 码数 偏大 偏小'],
  ['cancel', 'cancel, cancellation, cancel order', '取消 撤销 取消订单'],
  ['order', 'order, purchase, checkout, buy, bought', '订单 下单 购买 买了'],
  [
    'payment',
    'payment, pay, card, credit card, paypal, checkout, charged',
    '支付 付款 付钱 信用卡 扣款 支付宝 微信支付',
  ],
  ['invoice', 'invoice, receipt, bill, billing', '发票 收据 账单 开票'],
  ['tax', 'tax, vat, gst, sales tax, tax rate', '税 税费 增值税 税率 税务'],
  ['customs', 'customs, import duty, duties, clearance', '海关 关税 清关 报关'],
  [
    'international',
    'international, overseas, cross border, abroad, worldwide, foreign',
    '国际 海外 跨境 境外 国外',
  ],
  [
    'inventory',
    'inventory, stock, out of stock, in stock, sold out, stock level',
    '库存 缺货 有货 售罄 现货',
  ],
  ['restock', 'restock, back in stock, replenish, preorder, pre order', '补货 到货 预售 预订'],
  ['price', 'price, pricing, cost, price change, expensive, cheap', '价格 定价 售价 多少钱 价钱 改价'],
  [
    'damage',
    'damaged, broken, defective, faulty, crushed, scratched, quality issue',
    '损坏 破损 坏了 质量问题 瑕疵 残次',
  ],
  ['wrong_item', 'wrong item, incorrect item, wrong size, wrong color', '发错 错发 不符 货不对版'],
  ['warranty', 'warranty, guarantee, repair, after sales service', '保修 质保 维修 售后 保证'],
  [
    'address',
    'address, shipping address, delivery address, change address, postcode, zip code',
    '地址 收货地址 邮编 改地址',
  ],
  [
    'support',
    'support, contact, customer service, agent, human, help desk, talk to someone',
    '客服 人工 联系 转人工 咨询 帮助',
  ],
  ['hours', 'opening hours, business hours, working hours, office hours', '营业时间 工作时间 上班时间 营业'],
  [
    'timeframe',
    'business day, working day, deadline, within days, time limit',
    '工作日 天内 期限 时限 时效 多久',
  ],
  [
    'store',
    'shop, store, storefront, online store, seller, merchant, vendor',
    '店铺 商店 网店 卖家 商家 店家',
  ],
  ['review', 'review, rating, feedback, star rating, testimonial', '评价 评论 好评 差评 评分'],
  ['membership', 'member, membership, loyalty, points, vip, reward', '会员 积分 等级 奖励'],
  ['subscription', 'subscription, subscribe, plan, renew, renewal, monthly plan', '订阅 套餐 续费 续订 月费'],
  [
    'warehouse',
    'warehouse, fulfillment, fulfilment, fulfil, storage, stock location',
    '仓库 仓储 发货仓 入仓 云仓',
  ],
  ['pickup', 'pickup, pick up, collect, collection point, click and collect', '自提 上门取件 取件 提货'],
  ['label', 'shipping label, waybill, label, airway bill', '面单 运单 快递单'],
  ['packaging', 'packaging, packing, box, wrap, gift wrap', '包装 打包 纸箱 礼盒'],
  ['gift_card', 'gift card, store credit, gift voucher', '礼品卡 购物卡 储值'],
  ['bank', 'bank, bank account, iban, swift, routing number', '银行 银行卡 开户行 收款账户'],
  ['currency', 'currency, exchange rate, usd, eur, cny, conversion', '货币 币种 汇率 人民币 美元'],
  ['notification', 'notification, notify, email, sms, alert, reminder', '通知 短信 邮件 提醒 消息'],
  ['privacy', 'privacy, personal data, gdpr, data protection, delete my data', '隐私 个人信息 数据保护'],
  ['policy', 'policy, rule, terms, terms of service, agreement, regulation', '政策 规则 条款 协议 规定'],
  ['staff', 'staff, employee, team member, permission, role, sub account', '员工 权限 子账号 角色 店员'],
  ['ads', 'ads, advertising, advert, sponsored, marketing, boost', '广告 推广 营销 投放 直通车'],
  [
    'analytics',
    'report, analytics, dashboard, statistics, metrics, sales data',
    '报表 数据 统计 分析 后台数据',
  ],
  ['integration', 'api, integration, webhook, plugin, app, sync', '接口 对接 插件 同步 集成'],
  ['wholesale', 'wholesale, bulk order, bulk, b2b, minimum order, moq', '批发 批量 起订量 大宗'],
  ['contact_time', 'response time, reply time, reply, respond', '回复 响应 答复 回复时间'],
  ['stock_sync', 'oversold, overselling, stock sync', '超卖 库存同步'],
  ['compensation', 'compensation, compensate, goodwill, partial refund', '赔偿 补偿 赔付 部分退款'],
];

/**
 * Concepts that occur in almost every merchant document. With no IDF to tell us so, they get
 * a normal word's weight instead of the strong concept weight, or they would pull unrelated
 * documents together.
 */
const BROAD = new Set([
  'order',
  'product',
  'store',
  'payment',
  'notification',
  'policy',
  'timeframe',
  'analytics',
]);
const CONCEPT_WEIGHT = 2;
const BROAD_CONCEPT_WEIGHT = 1;

export interface ConceptIndex {
  /** Feature hash per concept (index = concept number). */
  conceptHashes: Int32Array;
  conceptWeights: Float32Array;
  /** Stem → concepts. */
  single: Map<string, number[]>;
  /** "stem1 stem2" / "stem1 stem2 stem3" → concepts. */
  phrase: Map<string, number[]>;
  /** First stems of phrases: lets the scanner skip building phrase keys for most words. */
  phraseStarts: Set<string>;
  /** FNV-1a hash (seed CJK_LEXICON_SEED) of a CJK term → concepts. */
  cjk: Map<number, number[]>;
  /** 1 for code units that start some CJK term. */
  cjkStart: Uint8Array;
  cjkMaxLength: number;
}

export const CJK_LEXICON_SEED = 0x2f0a11c3;
const CONCEPT_SEED = 0x6c8e9cf5;

function push<K>(map: Map<K, number[]>, key: K, concept: number): void {
  const list = map.get(key);
  if (!list) map.set(key, [concept]);
  else if (!list.includes(concept)) list.push(concept);
}

export function compileConcepts(): ConceptIndex {
  const index: ConceptIndex = {
    conceptHashes: new Int32Array(LEXICON.length),
    conceptWeights: new Float32Array(LEXICON.length),
    single: new Map(),
    phrase: new Map(),
    phraseStarts: new Set(),
    cjk: new Map(),
    cjkStart: new Uint8Array(65536),
    cjkMaxLength: 0,
  };
  LEXICON.forEach(([name, english, chinese], concept) => {
    index.conceptHashes[concept] = fnv1a(`concept:${name}`, CONCEPT_SEED);
    index.conceptWeights[concept] = BROAD.has(name) ? BROAD_CONCEPT_WEIGHT : CONCEPT_WEIGHT;
    for (const term of english.split(',')) {
      const stems = phraseStems(term).slice(0, 3);
      if (stems.length === 1) push(index.single, stems[0]!, concept);
      else if (stems.length > 1) {
        push(index.phrase, stems.join(' '), concept);
        index.phraseStarts.add(stems[0]!);
      }
    }
    for (const term of chinese.split(/\s+/).filter(Boolean)) {
      push(index.cjk, fnv1a(term, CJK_LEXICON_SEED), concept);
      index.cjkStart[term.charCodeAt(0)] = 1;
      index.cjkMaxLength = Math.max(index.cjkMaxLength, term.length);
    }
  });
  return index;
}
