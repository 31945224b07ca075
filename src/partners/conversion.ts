/**
 * The conversion rule every partner-center figure uses: sales / unique clicks in the same range (a click is
 * one visitor on one day, as the gateway records them; see src/tracking). No clicks: no conversion ("—").
 * More sales than clicks happens honestly (a sale in the range from a click before it, sales from before click
 * tracking started, a buyer who came without a tracked link): the rate is then shown as 100% with `over`
 * set, and the page says why, instead of a figure such as 200%.
 */
export interface Conversion {
  /** sales / clicks, at most 1. */
  rate: number;
  /** More sales than unique clicks: `rate` is capped at 1. */
  over: boolean;
}

export function conversionOf(sales: number, uniqueClicks: number): Conversion | undefined {
  if (!(uniqueClicks > 0)) return undefined;
  const over = sales > uniqueClicks;
  return { rate: over ? 1 : Math.max(0, sales) / uniqueClicks, over };
}
