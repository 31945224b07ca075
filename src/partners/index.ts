/** The partner center's domain: referred contacts, commissions, earnings, payouts, reports, promo tools, links. */
export {};
