/**
 * The partner center's languages: message catalogues (`templates/locales/<lang>/<namespace>.json`, ICU syntax
 * via intl-messageformat) loaded and checked once at start-up, English fallback per key, `Accept-Language`
 * negotiation against the loaded languages, and `t(locale, 'namespace:key', values)` for code. Templates use
 * the `{{t}}` helper of src/views. Dates and money are formatted by src/common (`formatLocal`, `formatMoney`)
 * with the same locale. See CONTEXT.md.
 */
export { CatalogueError, DEFAULT_LOCALE, loadCatalogues, type Catalogues, type MessageValues } from './catalogue.js';
export { capitalise, catalogues, cataloguesFor, languageName, recipientLocale, shippedCatalogues, shippedLocalesDir, t, useCatalogues } from './active.js';
export { parseAcceptLanguage } from './negotiate.js';
