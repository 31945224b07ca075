/**
 * What rendering a page or an email looks like to the code that asks for it. The handlebars implementation is
 * src/views (`createViews`), built once in gateway.ts; routes, the error handler and the mail outbox receive it.
 */
export interface Brand {
  name: string;
  logoUrl?: string;
  primaryColor: string;
}

export interface Views {
  /** Renders `templates/<name>.hbs` inside `layouts/<layout>.hbs`. */
  page(name: string, params: Record<string, unknown>, layout?: string): string;
  /** Renders a template without a layout (emails, fragments). */
  render(name: string, params: Record<string, unknown>): string;
  has(name: string): boolean;
  brand: Brand;
}
